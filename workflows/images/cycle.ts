// imageCycle: one round of the image pipeline. Fetches dog and cat candidates, stores each with
// bounded concurrency, and summarises what was stored, skipped as duplicate, or rejected and why.
// Bad input never fails the cycle: it is a rejection, and the good images are still stored.
import { ActivityFailure, ApplicationFailure, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { ImageCandidate } from '../../activities/images/pet-apis';
import type { BatchedStoreResult, StoreImageResult } from '../../activities/images/store';
import type { createImageActivities } from '../../activities/images';
import { NON_RETRYABLE_ERROR_TYPES, REJECTION_ERROR_TYPES } from '../../contracts/errors';
import {
  ABANDONED_RESERVATION_SECONDS,
  type ImageCycleInput,
  type ImageCycleSummary,
  type RejectedImage,
} from '../../contracts/images';

type ImageActivities = ReturnType<typeof createImageActivities>;

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '10 seconds',
  maximumAttempts: 4,
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES, ...REJECTION_ERROR_TYPES],
};
const apis = proxyActivities<ImageActivities>({ startToCloseTimeout: '30 seconds', retry });
// Bounded, so that a reservation older than ABANDONED_RESERVATION_SECONDS has no attempt alive.
const store = proxyActivities<ImageActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: `${ABANDONED_RESERVATION_SECONDS / 2} seconds`,
  retry,
});
// A batch's first attempts, then an image's remaining ones (after the first backoff, or the
// source's Retry-After): each within a quarter of that bound, so that together they stay in it.
const QUARTER_MS = (ABANDONED_RESERVATION_SECONDS / 4) * 1000;
const batchStore = proxyActivities<ImageActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: QUARTER_MS,
  retry,
});
const storeAgain = proxyActivities<ImageActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: QUARTER_MS,
  // The same schedule as `retry` from its second attempt: 1 s (slept before), 2 s, 4 s.
  retry: { ...retry, initialInterval: '2 seconds', maximumAttempts: retry.maximumAttempts - 1 },
});
/** Images per storeAnimalImages activity: a Cat API answer. */
const STORE_BATCH = 25;
const heal = proxyActivities<ImageActivities>({ startToCloseTimeout: '5 minutes', retry });

const clamp = (value: number | undefined, fallback: number, max: number): number =>
  Math.max(0, Math.min(max, Math.floor(value ?? fallback)));

export async function imageCycle(input: ImageCycleInput = {}): Promise<ImageCycleSummary> {
  const dogs = clamp(input.dogs, 10, 50);
  const cats = clamp(input.cats, 10, 50);
  const concurrency = Math.max(1, clamp(input.concurrency, 4, 20));
  const summary: ImageCycleSummary = { stored: [], duplicates: [], rejected: [] };

  const [healed, ...batches] = await Promise.all([
    // Earlier cycles' leftovers first, beside the fetching: their names are the oldest.
    fetchOrReject(
      'healing reservations',
      () => heal.healAbandonedReservations(ABANDONED_RESERVATION_SECONDS),
      summary,
    ),
    dogs > 0 ? fetchOrReject('the Dog API', () => apis.fetchDogCandidates(dogs), summary) : undefined,
    cats > 0 ? fetchOrReject('The Cat API', () => apis.fetchCatCandidates(cats), summary) : undefined,
  ]);
  if (healed && healed.stored.length + healed.released.length + healed.pending.length > 0)
    summary.healed = healed;
  const seen = new Set<string>();
  const candidates = batches.flatMap((batch) => batch?.candidates ?? []);
  const unique = candidates.filter((candidate) => {
    if (!seen.has(candidate.sourceUrl)) return seen.add(candidate.sourceUrl);
    summary.duplicates.push({ sourceUrl: candidate.sourceUrl, reason: 'repeated in the same API answer' });
    return false;
  });
  summary.rejected.push(...batches.flatMap((batch) => batch?.rejected ?? []));

  const storeOne = async (candidate: ImageCandidate, activities = store): Promise<void> => {
    try {
      record(summary, candidate, await activities.storeAnimalImage(candidate));
    } catch (error) {
      summary.rejected.push(rejection(error, candidate.sourceUrl));
    }
  };
  // Cycles started before batches replay as they ran: an activity per image.
  if (!patched('store-images-in-batches')) {
    await forEachLimited(unique, concurrency, (candidate) => storeOne(candidate));
    return summary;
  }
  const chunks = Array.from({ length: Math.ceil(unique.length / STORE_BATCH) }, (_, i) =>
    unique.slice(i * STORE_BATCH, (i + 1) * STORE_BATCH),
  );
  // `concurrency` images at a time in all, shared by the batches.
  const perBatch = Math.max(1, Math.floor(concurrency / chunks.length));
  await Promise.all(
    chunks.map(async (chunk) => {
      let results: BatchedStoreResult[];
      try {
        results = await batchStore.storeAnimalImages(chunk, perBatch);
      } catch (error) {
        // The batch as a whole failed (say, a worker that has no storeAnimalImages yet): each alone.
        if (!(error instanceof ActivityFailure)) throw error;
        return forEachLimited(chunk, perBatch, (candidate) => storeOne(candidate));
      }
      const again: Array<{ candidate: ImageCandidate; waitMs: number }> = [];
      chunk.forEach((candidate, i) => {
        const result = results[i]!;
        if (result.status === 'retry')
          again.push({ candidate, waitMs: Math.min(result.retryAfterMs ?? 1000, QUARTER_MS) });
        else if (result.status === 'rejected')
          summary.rejected.push({ sourceUrl: candidate.sourceUrl, type: result.type, reason: result.reason });
        else record(summary, candidate, result);
      });
      // Transient failures: alone, with the rest of the retry policy's attempts and backoff.
      await forEachLimited(again, perBatch, async ({ candidate, waitMs }) => {
        await sleep(waitMs);
        await storeOne(candidate, storeAgain);
      });
    }),
  );
  return summary;
}

function record(summary: ImageCycleSummary, candidate: ImageCandidate, result: StoreImageResult): void {
  if (result.status === 'stored') {
    summary.stored.push({ tipo: candidate.tipo, raca: candidate.raca, nome: result.nome, url: result.url });
  } else {
    summary.duplicates.push({ sourceUrl: candidate.sourceUrl, nome: result.nome, reason: result.reason });
  }
}

async function fetchOrReject<T>(
  api: string,
  fetch: () => Promise<T>,
  summary: ImageCycleSummary,
): Promise<T | undefined> {
  try {
    return await fetch();
  } catch (error) {
    const rejected = rejection(error);
    summary.rejected.push({ ...rejected, reason: `${api}: ${rejected.reason}` });
    return undefined;
  }
}

/** The failure's type and message, from the activity's ApplicationFailure when there is one. */
function rejection(error: unknown, sourceUrl?: string): RejectedImage {
  if (!(error instanceof ActivityFailure)) throw error;
  const cause = error.cause;
  const type = cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : (cause?.name ?? 'Error');
  return { ...(sourceUrl ? { sourceUrl } : {}), type, reason: cause?.message ?? error.message };
}

/** Runs `work` on every item, at most `limit` at a time (deterministic: workflow code). */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
