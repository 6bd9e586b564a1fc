import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { createImageActivities } from '../../activities/images';
import { storeEachOnce } from '../../activities/images/store';
import { imageLoopStatus, pauseImageLoop, resumeImageLoop } from '../../contracts/image-loop-messages';
import type { ImageLoopInput } from '../../contracts/images';
import { imageLoop } from '../../workflows';
import { uniqueName } from '../kit/platform';
import { startTimeSkippingEnvironment, withWorker } from '../kit/timeskipping';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkippingEnvironment();
});
after(async () => {
  await env?.teardown();
});

/** Each cycle stores one dog and one cat. */
const activities: ReturnType<typeof createImageActivities> = {
  fetchDogCandidates: () =>
    Promise.resolve({
      candidates: [{ tipo: 'cachorro', raca: 'pug', sourceUrl: 'https://d/1.jpg' }],
      rejected: [],
    }),
  fetchCatCandidates: () =>
    Promise.resolve({
      candidates: [{ tipo: 'gato', raca: 'persa', sourceUrl: 'https://c/1.jpg' }],
      rejected: [],
    }),
  healAbandonedReservations: () => Promise.resolve({ stored: [], released: [], pending: [] }),
  storeAnimalImage: (image) =>
    Promise.resolve({
      status: 'stored',
      nome: `${image.raca}_01`,
      url: `s3://b/${image.raca}`,
      objectKey: 'k',
    }),
  storeAnimalImages: (images, concurrency) =>
    storeEachOnce((image) => activities.storeAnimalImage(image), images, concurrency),
};

function withLoop(input: ImageLoopInput, drive: (workflowId: string) => Promise<void>): Promise<void> {
  const workflowId = uniqueName('images-loop');
  return withWorker(env, activities, async (taskQueue) => {
    await env.client.workflow.start(imageLoop, { taskQueue, workflowId, args: [input] });
    await drive(workflowId);
    await env.client.workflow.getHandle(workflowId).terminate('test over');
  });
}

test('ten minutes of loop run twenty cycles on the 30-second grid', async () => {
  await withLoop({ cycle: { dogs: 1, cats: 1 } }, async (workflowId) => {
    await env.sleep('10 minutes');
    const status = await env.client.workflow.getHandle(workflowId).query(imageLoopStatus);

    assert.equal(status.cyclesStarted, 20);
    assert.equal(status.cyclesSkipped, 0);
    assert.equal(status.cyclesFailed, 0);
    assert.deepEqual(status.totals, { stored: 40, duplicates: 0, rejected: 0 });
    assert.equal(status.lastCycles.length, 10);
    // Cycle IDs are the grid's ticks: every 30 seconds, on :00 and :30.
    const ticks = status.lastCycles.map((cycle) => Date.parse(cycle.workflowId.replace('images-cycle:', '')));
    assert.ok(ticks.every((tick) => tick % 30_000 === 0));
    assert.deepEqual(
      ticks.slice(1).map((tick, i) => tick - ticks[i]!),
      Array(9).fill(30_000),
    );
  });
});

test('pause stops new cycles until resume', async () => {
  await withLoop({}, async (workflowId) => {
    const handle = env.client.workflow.getHandle(workflowId);
    await env.sleep('2 minutes');
    const before = (await handle.query(imageLoopStatus)).cyclesStarted;
    await handle.signal(pauseImageLoop);
    await env.sleep('3 minutes');
    const paused = await handle.query(imageLoopStatus);
    await handle.signal(resumeImageLoop);
    await env.sleep('1 minute');
    const resumed = await handle.query(imageLoopStatus);

    assert.equal(before, 4);
    assert.equal(paused.cyclesStarted, before);
    assert.equal(paused.nextTickAt, null);
    assert.equal(resumed.cyclesStarted, before + 2);
  });
});

test('continue-as-new keeps the totals', async () => {
  await withLoop({ ticksPerRun: 4 }, async (workflowId) => {
    const handle = env.client.workflow.getHandle(workflowId);
    const firstRun = (await handle.describe()).runId;
    await env.sleep('10 minutes');
    const status = await handle.query(imageLoopStatus);

    assert.notEqual((await handle.describe()).runId, firstRun);
    assert.equal(status.cyclesStarted, 20);
    assert.deepEqual(status.totals, { stored: 40, duplicates: 0, rejected: 0 });
  });
});

test('a cycle slower than the interval skips the ticks it overlaps and delays nothing after it', async () => {
  // The first cycle's Dog API call is rate limited for 45 s (Retry-After): that cycle runs from
  // :00 to :45, so the tick at :30 finds it running and is skipped; the tick at 1:00 is on time.
  let dogCalls = 0;
  const slowFirstCycle: typeof activities = {
    ...activities,
    fetchDogCandidates: (count) => {
      dogCalls += 1;
      if (dogCalls === 1) {
        throw ApplicationFailure.create({
          type: 'RateLimited',
          message: '429',
          nextRetryDelay: '45 seconds',
        });
      }
      return activities.fetchDogCandidates(count);
    },
  };
  const workflowId = uniqueName('images-loop');
  await withWorker(env, slowFirstCycle, async (taskQueue) => {
    const handle = await env.client.workflow.start(imageLoop, { taskQueue, workflowId, args: [{}] });
    await env.sleep('3 minutes');
    const status = await handle.query(imageLoopStatus);
    await handle.terminate('test over');

    assert.equal(status.cyclesSkipped, 1);
    assert.equal(status.cyclesStarted, 5);
    assert.equal(status.cyclesFailed, 0);
    assert.deepEqual(status.totals, { stored: 10, duplicates: 0, rejected: 0 });
    const ticks = status.lastCycles.map((cycle) => Date.parse(cycle.workflowId.replace('images-cycle:', '')));
    // Started on the grid, with one gap of 60 s where the skipped tick was.
    assert.deepEqual(
      ticks.slice(1).map((tick, i) => tick - ticks[i]!),
      [60_000, 30_000, 30_000, 30_000],
    );
  });
});
