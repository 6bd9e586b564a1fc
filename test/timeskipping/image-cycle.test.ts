import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { createImageActivities } from '../../activities/images';
import type { ImageCandidate } from '../../activities/images/pet-apis';
import { type StoreImageResult, storeEachOnce } from '../../activities/images/store';
import { ErrorType } from '../../contracts/errors';
import {
  ABANDONED_RESERVATION_SECONDS,
  type HealedReservations,
  type ImageCycleSummary,
} from '../../contracts/images';
import { imageCycle } from '../../workflows';
import { uniqueName } from '../kit/platform';
import { startTimeSkippingEnvironment, withWorker } from '../kit/timeskipping';

type ImageActivities = ReturnType<typeof createImageActivities>;
/** What a fixture gives; its batches are one attempt of its storeAnimalImage per image, as the real one. */
type PerImageActivities = Omit<ImageActivities, 'storeAnimalImages'>;

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkippingEnvironment();
});
after(async () => {
  await env?.teardown();
});

const dog = (n: number): ImageCandidate => ({
  tipo: 'cachorro',
  raca: 'labrador',
  sourceUrl: `https://dogs/${n}.jpg`,
});

const NOTHING_TO_HEAL: HealedReservations = { stored: [], released: [], pending: [] };

function cycle(
  activities: PerImageActivities & Partial<ImageActivities>,
  dogs: number,
  concurrency?: number,
): Promise<ImageCycleSummary> {
  const all: ImageActivities = {
    storeAnimalImages: (images, limit) => storeEachOnce(activities.storeAnimalImage, images, limit),
    ...activities,
  };
  return withWorker(env, all, (taskQueue) =>
    env.client.workflow.execute(imageCycle, {
      taskQueue,
      workflowId: uniqueName('cycle'),
      args: [{ dogs, cats: 0, ...(concurrency && { concurrency }) }],
    }),
  );
}

test('rejected images do not fail the cycle; transient failures retry with backoff and then store', async () => {
  const attempts = new Map<string, number>();
  const startedAt: number[] = [];
  const summary = await cycle(
    {
      fetchDogCandidates: (count) =>
        Promise.resolve({ candidates: [1, 2, 3].slice(0, count).map(dog), rejected: [] }),
      fetchCatCandidates: () => Promise.reject(new Error('cats were not asked for')),
      healAbandonedReservations: () => Promise.resolve(NOTHING_TO_HEAL),
      storeAnimalImage: async (image) => {
        const attempt = (attempts.get(image.sourceUrl) ?? 0) + 1;
        attempts.set(image.sourceUrl, attempt);
        if (image.sourceUrl.endsWith('/2.jpg')) {
          throw ApplicationFailure.create({
            type: ErrorType.NotAnImage,
            nonRetryable: true,
            message: 'HTML, not JPEG',
          });
        }
        if (image.sourceUrl.endsWith('/3.jpg')) {
          startedAt.push(await env.currentTimeMs());
          if (attempt < 3) throw new Error('S3 unavailable');
        }
        return {
          status: 'stored',
          nome: `labrador_0${attempt}`,
          url: `s3://b/${image.sourceUrl}`,
          objectKey: 'k',
        };
      },
    },
    3,
  );

  assert.deepEqual(Object.fromEntries(attempts), {
    'https://dogs/1.jpg': 1,
    'https://dogs/2.jpg': 1,
    'https://dogs/3.jpg': 3,
  });
  // Backoff 1 s, doubling: the gaps between the third image's attempts.
  assert.deepEqual(
    startedAt.slice(1).map((at, i) => Math.round((at - startedAt[i]!) / 1000)),
    [1, 2],
  );
  assert.deepEqual(summary.stored.map((image) => image.url).sort(), [
    's3://b/https://dogs/1.jpg',
    's3://b/https://dogs/3.jpg',
  ]);
  assert.deepEqual(summary.rejected, [
    { sourceUrl: 'https://dogs/2.jpg', type: ErrorType.NotAnImage, reason: 'HTML, not JPEG' },
  ]);
});

test('an API that keeps failing is a rejection of its part of the cycle, after four attempts', async () => {
  let calls = 0;
  const summary = await cycle(
    {
      fetchDogCandidates: () => {
        calls += 1;
        return Promise.reject(
          ApplicationFailure.retryable('the Dog API answered 503', 'UpstreamUnavailable'),
        );
      },
      fetchCatCandidates: () => Promise.reject(new Error('cats were not asked for')),
      healAbandonedReservations: () => Promise.resolve(NOTHING_TO_HEAL),
      storeAnimalImage: () => Promise.reject(new Error('nothing to store')),
    },
    2,
  );

  assert.equal(calls, 4);
  assert.deepEqual(summary, {
    stored: [],
    duplicates: [],
    rejected: [{ type: 'UpstreamUnavailable', reason: 'the Dog API: the Dog API answered 503' }],
  });
});

test('a cycle heals the reservations earlier cycles abandoned, and a failing heal fails nothing', async () => {
  const asked: number[] = [];
  const healed: HealedReservations = {
    stored: [{ tipo: 'cachorro', raca: 'labrador', nome: 'labrador_07', url: 's3://b/labrador_07.jpg' }],
    released: [{ nome: 'labrador_08', sourceUrl: 'https://dogs/gone.jpg', reason: 'answered 404' }],
    pending: [],
  };
  const store: ImageActivities['storeAnimalImage'] = (image) =>
    Promise.resolve({
      status: 'stored',
      nome: 'labrador_09',
      url: `s3://b/${image.sourceUrl}`,
      objectKey: 'k',
    });
  const summary = await cycle(
    {
      fetchDogCandidates: () => Promise.resolve({ candidates: [dog(1)], rejected: [] }),
      fetchCatCandidates: () => Promise.reject(new Error('cats were not asked for')),
      healAbandonedReservations: (olderThanSeconds) => {
        asked.push(olderThanSeconds);
        return Promise.resolve(healed);
      },
      storeAnimalImage: store,
    },
    1,
  );
  assert.deepEqual(asked, [ABANDONED_RESERVATION_SECONDS]);
  assert.deepEqual(summary.healed, healed);
  assert.equal(summary.stored.length, 1);

  const failing = await cycle(
    {
      fetchDogCandidates: () => Promise.resolve({ candidates: [dog(1)], rejected: [] }),
      fetchCatCandidates: () => Promise.reject(new Error('cats were not asked for')),
      healAbandonedReservations: () =>
        Promise.reject(ApplicationFailure.create({ type: ErrorType.AccessDenied, message: 'UPDATE denied' })),
      storeAnimalImage: store,
    },
    1,
  );
  assert.equal(failing.healed, undefined);
  assert.equal(failing.stored.length, 1);
  assert.deepEqual(failing.rejected, [
    { type: ErrorType.AccessDenied, reason: 'healing reservations: UPDATE denied' },
  ]);
});

test('a cycle stores its images in batches of 25, one activity each, sharing its concurrency', async () => {
  const batches: Array<{ size: number; concurrency: number }> = [];
  let alone = 0;
  const stored = (image: ImageCandidate): StoreImageResult => ({
    status: 'stored',
    nome: image.sourceUrl,
    url: `s3://b/${image.sourceUrl}`,
    objectKey: 'k',
  });
  const summary = await cycle(
    {
      fetchDogCandidates: (count) =>
        Promise.resolve({ candidates: Array.from({ length: count }, (_, i) => dog(i)), rejected: [] }),
      fetchCatCandidates: () => Promise.reject(new Error('cats were not asked for')),
      healAbandonedReservations: () => Promise.resolve(NOTHING_TO_HEAL),
      storeAnimalImage: (image) => {
        alone += 1;
        return Promise.resolve(stored(image));
      },
      storeAnimalImages: (images, concurrency) => {
        batches.push({ size: images.length, concurrency });
        return Promise.resolve(images.map(stored));
      },
    },
    50,
    20,
  );
  assert.deepEqual(batches, [
    { size: 25, concurrency: 10 },
    { size: 25, concurrency: 10 },
  ]);
  assert.equal(alone, 0);
  assert.deepEqual(
    summary.stored.map((image) => image.nome).sort(),
    Array.from({ length: 50 }, (_, i) => dog(i).sourceUrl).sort(),
  );
});

test('an image rate-limited in a batch waits its Retry-After, then is stored alone', async () => {
  const startedAt: number[] = [];
  const summary = await cycle(
    {
      fetchDogCandidates: () => Promise.resolve({ candidates: [dog(1)], rejected: [] }),
      fetchCatCandidates: () => Promise.reject(new Error('cats were not asked for')),
      healAbandonedReservations: () => Promise.resolve(NOTHING_TO_HEAL),
      storeAnimalImage: async (image) => {
        startedAt.push(await env.currentTimeMs());
        if (startedAt.length === 1) {
          throw ApplicationFailure.create({
            type: ErrorType.RateLimited,
            message: 'answered 429 Too Many Requests',
            nextRetryDelay: '30 seconds',
          });
        }
        return { status: 'stored', nome: 'labrador_01', url: `s3://b/${image.sourceUrl}`, objectKey: 'k' };
      },
    },
    1,
  );
  assert.equal(startedAt.length, 2);
  assert.equal(Math.round((startedAt[1]! - startedAt[0]!) / 1000), 30);
  assert.deepEqual(
    summary.stored.map((image) => image.nome),
    ['labrador_01'],
  );
  assert.deepEqual(summary.rejected, []);
});

test('a batch that fails as a whole (a worker without storeAnimalImages) stores its images one by one', async () => {
  let batchAttempts = 0;
  const summary = await cycle(
    {
      fetchDogCandidates: () => Promise.resolve({ candidates: [dog(1), dog(2)], rejected: [] }),
      fetchCatCandidates: () => Promise.reject(new Error('cats were not asked for')),
      healAbandonedReservations: () => Promise.resolve(NOTHING_TO_HEAL),
      storeAnimalImage: (image) =>
        Promise.resolve({ status: 'stored', nome: image.sourceUrl, url: 's3://b/x', objectKey: 'k' }),
      storeAnimalImages: () => {
        batchAttempts += 1;
        return Promise.reject(new Error('no such activity here'));
      },
    },
    2,
  );
  assert.equal(batchAttempts, 4);
  assert.deepEqual(summary.stored.map((image) => image.nome).sort(), [dog(1).sourceUrl, dog(2).sourceUrl]);
  assert.deepEqual(summary.rejected, []);
});
