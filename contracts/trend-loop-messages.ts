// The trend report loop's query: defined once, used by the workflow and every client.
import { defineQuery } from '@temporalio/workflow';
import { TEMPORAL_CONTRACTS } from './temporal';
import type { TrendReport } from './trends';

/** The newest report, or null before the first tick has produced one. */
export const latestTrendReport = defineQuery<TrendReport | null>(
  TEMPORAL_CONTRACTS.trends.workflows.trendReportLoop.queries.latestReport,
);
