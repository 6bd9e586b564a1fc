// simulateInteractions: simulated users clicking animal profiles, published to Kafka by one
// heartbeating activity. Cancelling the workflow stops the clicks and returns what was sent.
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { createTrendActivities } from '../../activities/trends';
import { NON_RETRYABLE_ERROR_TYPES } from '../../contracts/errors';
import type { SimulateInteractionsInput, SimulationSummary } from '../../contracts/trends';

const { simulateClicks } = proxyActivities<ReturnType<typeof createTrendActivities>>({
  // Liveness comes from the heartbeat; a run may last as long as it was asked to (0: for ever).
  startToCloseTimeout: '3650 days',
  // Short, so the progress the CLI shows from the heartbeat details is at most a few seconds old.
  heartbeatTimeout: '5 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

export async function simulateInteractions(
  input: SimulateInteractionsInput = {},
): Promise<SimulationSummary> {
  return simulateClicks({
    eventsPerSecond: Math.max(1, Math.min(1_000_000, input.eventsPerSecond ?? 50)),
    durationSeconds: Math.max(0, input.durationSeconds ?? 60),
    // Workflow code's Math.random is seeded by Temporal: a retry or replay gets the same seed.
    seed: input.seed ?? Math.floor(Math.random() * 2 ** 31),
    users: Math.max(1, Math.floor(input.users ?? 500)),
    via: input.via === 'collector' ? 'collector' : 'kafka',
  });
}
