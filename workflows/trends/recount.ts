// recountTrends: rebuilds the trend tables of a range of hours from the Parquet archive (the
// Spark batch job petadota_trends.recount), by one heartbeating activity.
import { proxyActivities } from '@temporalio/workflow';
import type { createTrendActivities } from '../../activities/trends';
import { NON_RETRYABLE_ERROR_TYPES } from '../../contracts/errors';
import type { RecountSummary, RecountTrendsInput } from '../../contracts/trends';

const { recountTrendRange } = proxyActivities<ReturnType<typeof createTrendActivities>>({
  // An hour of archive at the stream's highest rate takes minutes; liveness is the heartbeat.
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '5 minutes',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

export async function recountTrends(input: RecountTrendsInput): Promise<RecountSummary> {
  return recountTrendRange({ from: input.from, to: input.to });
}
