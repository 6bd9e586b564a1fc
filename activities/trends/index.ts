// The trend activities, built from their dependencies: the click simulator and the report.
import { Context } from '@temporalio/activity';
import type { Pool } from 'mysql2/promise';
import type {
  RecountSummary,
  RecountTrendsInput,
  SimulationSummary,
  TrendReport,
} from '../../contracts/trends';
import type { KafkaConfig } from '../../platform/clients';
import { fromMysqlError } from '../failures';
import { buildTrendReport, storeTrendReport, type TrendReportRequest } from './report';
import { loadAnimals, simulate, type SimulationPlan, type SimulationProgress } from './simulator';
import { collectorSender, kafkaSender } from './click-senders';
import { type RecountJob, recountRange } from './recount';

/** `CANCELLED` (asked for by the workflow), `WORKER_SHUTDOWN`, `TIMED_OUT`, … */
function cancelReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason);
}

export interface TrendDependencies {
  /** The brokers, and the topic the simulator publishes clicks to. */
  kafka: KafkaConfig;
  /** The site, whose collector the simulator sends through when asked to (`via: 'collector'`). */
  collectorUrl: string;
  /** The read-only account: the catalog and the trend tables. */
  readonlyDb: Pool;
  /** The stream account: writes the stored reports. */
  streamDb: Pool;
  /** How to run the recount's Spark job on this worker's machine. */
  recount: RecountJob;
}

export function createTrendActivities({
  kafka,
  collectorUrl,
  readonlyDb,
  streamDb,
  recount,
}: TrendDependencies) {
  return {
    /** Heartbeats its progress; a retry resumes the same sequence; cancellation stops it cleanly. */
    async simulateClicks(plan: SimulationPlan): Promise<SimulationSummary> {
      const context = Context.current();
      const resumeFrom = context.info.heartbeatDetails as SimulationProgress | undefined;
      if (resumeFrom) context.log.info(`resuming after ${resumeFrom.eventsSent} clicks`);
      const catalog = await loadAnimals(readonlyDb, resumeFrom?.catalogUpToId).catch((error: unknown) => {
        throw fromMysqlError(error, 'reading the catalog');
      });
      const sender =
        plan.via === 'collector'
          ? collectorSender(collectorUrl, context.cancellationSignal)
          : kafkaSender(kafka);
      const summary = await simulate(
        sender,
        catalog.animals,
        plan,
        {
          heartbeat: (progress) => context.heartbeat(progress),
          cancelled: context.cancellationSignal,
          log: (message) => {
            context.log.info(message);
          },
        },
        resumeFrom ?? { eventsSent: 0, perAnimal: {}, catalogUpToId: catalog.upToId },
      );
      // Only a cancellation the workflow asked for ends the run. Anything else (the worker shutting
      // down, a timeout) fails this attempt with its progress heartbeated, so a retry on the next
      // worker resumes the same sequence.
      const reason = cancelReason(context.cancellationSignal);
      if (summary.cancelled && reason !== 'CANCELLED') {
        throw new Error(
          `simulation interrupted (${reason}) after ${summary.eventsSent} clicks; a retry resumes it`,
        );
      }
      return summary;
    },
    async buildTrendReport(request: TrendReportRequest): Promise<TrendReport> {
      return buildTrendReport(readonlyDb, request).catch((error: unknown) => {
        throw fromMysqlError(error, 'reading the trend tables');
      });
    },
    async storeTrendReport(report: TrendReport): Promise<void> {
      return storeTrendReport(streamDb, report).catch((error: unknown) => {
        throw fromMysqlError(error, 'storing the trend report');
      });
    },
    /** The Spark batch job, heartbeating its latest log line; cancelled, it is stopped. */
    async recountTrendRange(range: RecountTrendsInput): Promise<RecountSummary> {
      return recountRange(recount, range);
    },
  };
}
