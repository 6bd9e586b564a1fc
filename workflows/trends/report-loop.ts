// trendReportLoop (ID trends-loop): on a steady 30-second grid, builds the trend report from the
// tables the stream job fills, stores it, and keeps the newest for the latestReport query.
import { continueAsNew, log, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { createTrendActivities } from '../../activities/trends';
import { NON_RETRYABLE_ERROR_TYPES } from '../../contracts/errors';
import { latestTrendReport } from '../../contracts/trend-loop-messages';
import type { TrendReport, TrendReportLoopInput } from '../../contracts/trends';
import { firstTick, nextTick } from '../grid';

const { buildTrendReport, storeTrendReport } = proxyActivities<ReturnType<typeof createTrendActivities>>({
  startToCloseTimeout: '10 seconds',
  // A report that cannot be made within the interval is given up: the next tick makes a fresh one.
  scheduleToCloseTimeout: '25 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '5 seconds',
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

export async function trendReportLoop(input: TrendReportLoopInput = {}): Promise<void> {
  const intervalMs = Math.max(1, input.intervalSeconds ?? 30) * 1000;
  const top = Math.max(1, Math.min(50, Math.floor(input.top ?? 5)));
  const staleAfterSeconds = Math.max(1, input.staleAfterSeconds ?? 120);
  const ticksPerRun = Math.max(1, input.ticksPerRun ?? 500);
  let latest: TrendReport | null = input.latest ?? null;
  let tickMs = input.nextTickMs ?? firstTick(intervalMs, Date.now());
  setHandler(latestTrendReport, () => latest);

  for (let tick = 0; tick < ticksPerRun; tick++) {
    await sleep(Math.max(0, tickMs - Date.now()));
    try {
      const report = await buildTrendReport({ tick: new Date(tickMs).toISOString(), top, staleAfterSeconds });
      await storeTrendReport(report);
      latest = report;
    } catch (error) {
      // MySQL down for longer than the interval: the previous report stays the latest.
      log.warn('trend report failed; the next tick tries again', { error: String(error) });
    }
    tickMs = nextTick(tickMs, intervalMs, Date.now());
  }
  await continueAsNew<typeof trendReportLoop>({ ...input, latest, nextTickMs: tickMs });
}
