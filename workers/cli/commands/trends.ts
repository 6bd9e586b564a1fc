// `bin/petadota trends …` runs the trend report loop and prints its latest report;
// `bin/petadota simulate` sends simulated clicks through the simulateInteractions workflow.
import { parseArgs } from 'node:util';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { latestTrendReport } from '../../../contracts/trend-loop-messages';
import {
  RECOUNT_TRENDS_WORKFLOW_TYPE,
  type RecountSummary,
  recountTrendsWorkflowId,
  SIMULATE_INTERACTIONS_WORKFLOW_TYPE,
  SIMULATION_WORKFLOW_ID_PREFIX,
  type SimulateInteractionsInput,
  type SimulationSummary,
  simulateInteractionsWorkflowId,
  TREND_REPORT_LOOP_WORKFLOW_ID,
  TREND_REPORT_LOOP_WORKFLOW_TYPE,
  type TrendReportLoopInput,
  TRENDS_TASK_QUEUE,
} from '../../../contracts/trends';
import type { recountTrends, simulateInteractions, trendReportLoop } from '../../../workflows';
import type { PlatformConfig } from '../../../platform/config';
import { connectTemporalClient } from '../../../platform/clients';
import { formatRecountSummary, formatSimulationSummary, formatTrendReport } from '../tables';
import { exitCodeFor, Interrupted } from '../interrupt';
import {
  CancellationNotConfirmed,
  cancelAndWait,
  describeFailure,
  queryWhenPolled,
  runningWorkflow,
  waitForResult,
  startOrJoin,
} from '../progress';
import { UsageError, wholeNumber } from '../usage';

export const TRENDS_USAGE = `  trends start [--interval 30] [--top 5] [--stale-after 120]
                                  start trends-loop (joins it when it is already running)
  trends report [--json]          the latest trend report as a table; exit code 3 when the
                                  stream is stale (no counted click newer than --stale-after)
  trends stop [--wait-for-worker] cancel trends-loop
  trends recount --from 2026-12-02T10:00:00Z --to 2026-12-02T12:00:00Z [--detach] [--wait-for-worker]
                                  rebuild the trend tables of those whole UTC hours from the
                                  Parquet archive, each click once, late ones included
                                  (workflow recount-trends:<from>..<to>)
  simulate [--rate 50] [--duration 60] [--seed N] [--users 500] [--id ID] [--detach]
           [--via kafka|collector] [--wait-for-worker]
                                  send simulated clicks to Kafka, or through the site's collector
                                  (duration 0: until Ctrl-C or cancelled); --id names the run and
                                  joins it when it is running; --detach returns once it has started`;

const START_TRENDS = 'bin/petadota trends start';

export async function trends(config: PlatformConfig, args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  const client = await connectTemporalClient(config.temporal);
  try {
    switch (subcommand) {
      case 'start':
        return await startTrendLoop(config, client, rest);
      case 'report':
        return await printReport(config, client, rest);
      case 'recount':
        return await recount(config, client, rest);
      case 'stop': {
        const { values } = parseArgs({
          args: rest,
          options: { 'wait-for-worker': { type: 'boolean', default: false } },
        });
        const handle = await runningWorkflow(client, TREND_REPORT_LOOP_WORKFLOW_ID, START_TRENDS);
        if (!handle) return 1;
        const ended = await cancelAndWait(handle, {
          client,
          config,
          taskQueue: TRENDS_TASK_QUEUE,
          waitForWorker: values['wait-for-worker'],
        });
        console.log(`${TREND_REPORT_LOOP_WORKFLOW_ID} stopped (${ended})`);
        return 0;
      }
      default:
        throw new UsageError(`unknown trends command '${subcommand ?? ''}'`);
    }
  } finally {
    await client.connection.close();
  }
}

async function startTrendLoop(config: PlatformConfig, client: Client, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { interval: { type: 'string' }, top: { type: 'string' }, 'stale-after': { type: 'string' } },
  });
  const input: TrendReportLoopInput = {};
  if (values.interval) input.intervalSeconds = wholeNumber('--interval', values.interval, 1, 86_400);
  if (values.top) input.top = wholeNumber('--top', values.top, 1, 50);
  if (values['stale-after'])
    input.staleAfterSeconds = wholeNumber('--stale-after', values['stale-after'], 1, 86_400);
  await startOrJoin<typeof trendReportLoop>(client, config, TREND_REPORT_LOOP_WORKFLOW_TYPE, {
    taskQueue: TRENDS_TASK_QUEUE,
    workflowId: TREND_REPORT_LOOP_WORKFLOW_ID,
    args: [input],
  });
  console.log('Latest report: bin/petadota trends report');
  return 0;
}

async function printReport(config: PlatformConfig, client: Client, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
  const handle = await runningWorkflow(client, TREND_REPORT_LOOP_WORKFLOW_ID, START_TRENDS);
  if (!handle) return 1;
  const report = await queryWhenPolled(handle, latestTrendReport, {
    client,
    config,
    taskQueue: TRENDS_TASK_QUEUE,
  });
  if (!report) {
    console.error(
      `${TREND_REPORT_LOOP_WORKFLOW_ID} has not made a report yet: the first comes on its next tick`,
    );
    return 1;
  }
  console.log(values.json ? JSON.stringify(report, null, 2) : formatTrendReport(report));
  return report.freshness.stale ? 3 : 0;
}

const WHOLE_UTC_HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}:00:00(\.000)?Z$/;

async function recount(config: PlatformConfig, client: Client, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      detach: { type: 'boolean', default: false },
      'wait-for-worker': { type: 'boolean', default: false },
    },
  });
  for (const name of ['from', 'to'] as const) {
    const value = values[name];
    if (value === undefined)
      throw new UsageError(`--${name} is required: a whole UTC hour, e.g. 2026-12-02T10:00:00Z`);
    if (!WHOLE_UTC_HOUR.test(value) || Number.isNaN(Date.parse(value)))
      throw new UsageError(`--${name}: expected a whole UTC hour like 2026-12-02T10:00:00Z, got '${value}'`);
  }
  const range = { from: values.from!, to: values.to! };
  if (Date.parse(range.to) <= Date.parse(range.from))
    throw new UsageError(`--to (${range.to}) must come after --from (${range.from})`);
  const workflowId = recountTrendsWorkflowId(range);
  const handle = await startOrJoin<typeof recountTrends>(client, config, RECOUNT_TRENDS_WORKFLOW_TYPE, {
    taskQueue: TRENDS_TASK_QUEUE,
    workflowId,
    args: [range],
  });
  if (values.detach) return 0;
  let shown = '';
  try {
    const summary: RecountSummary = await waitForResult(handle, {
      client,
      config,
      taskQueue: TRENDS_TASK_QUEUE,
      waitForWorker: values['wait-for-worker'],
      onDescription: ({ raw }) => {
        const details = raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
        if (!details) return;
        const { lastLine } = JSON.parse(Buffer.from(details).toString()) as { lastLine?: string };
        if (lastLine && lastLine !== shown) console.log(`  … ${lastLine}`);
        shown = lastLine ?? shown;
      },
    });
    console.log(`\n${formatRecountSummary(summary)}`);
    return 0;
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    console.error(`${workflowId} failed: ${describeFailure(error)}`);
    return 2;
  }
}

export async function simulate(config: PlatformConfig, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      seed: { type: 'string' },
      users: { type: 'string' },
      id: { type: 'string' },
      detach: { type: 'boolean', default: false },
      via: { type: 'string' },
      'wait-for-worker': { type: 'boolean', default: false },
    },
  });
  const input: SimulateInteractionsInput = {};
  if (values.rate) input.eventsPerSecond = wholeNumber('--rate', values.rate, 1, 1_000_000);
  if (values.duration) input.durationSeconds = wholeNumber('--duration', values.duration, 0, 31_536_000);
  if (values.seed) input.seed = wholeNumber('--seed', values.seed, 0, 2 ** 31 - 1);
  if (values.users) input.users = wholeNumber('--users', values.users, 1, 10_000_000);
  if (values.via !== undefined) {
    if (values.via !== 'kafka' && values.via !== 'collector')
      throw new UsageError(`--via must be kafka or collector, got '${values.via}'`);
    input.via = values.via;
  }
  if (
    values.id !== undefined &&
    !(values.id.startsWith(SIMULATION_WORKFLOW_ID_PREFIX) && /^[\w.:-]{1,200}$/.test(values.id))
  )
    throw new UsageError(
      `--id: expected ${SIMULATION_WORKFLOW_ID_PREFIX}<name> (letters, digits, . : _ -), got '${values.id}'`,
    );
  const client = await connectTemporalClient(config.temporal);
  const workflowId = values.id ?? simulateInteractionsWorkflowId(new Date());
  try {
    // A named run is joined while it runs, so a restarted caller never starts a second one.
    const handle = await startOrJoin<typeof simulateInteractions>(
      client,
      config,
      SIMULATE_INTERACTIONS_WORKFLOW_TYPE,
      {
        taskQueue: TRENDS_TASK_QUEUE,
        workflowId,
        args: [input],
      },
    );
    if (values.detach) {
      console.log(
        `Stop it: temporal workflow cancel --address ${config.temporal.address} --workflow-id '${workflowId}'`,
      );
      return 0;
    }
    console.log('Ctrl-C stops it');
    let shown = -1;
    const options = {
      client,
      config,
      taskQueue: TRENDS_TASK_QUEUE,
      waitForWorker: values['wait-for-worker'],
    };
    try {
      const summary: SimulationSummary = await waitForResult(handle, {
        ...options,
        onDescription: ({ raw }) => {
          const details = raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
          if (!details) return;
          const { eventsSent } = JSON.parse(Buffer.from(details).toString()) as { eventsSent: number };
          if (eventsSent !== shown) console.log(`  … ${eventsSent} clicks sent`);
          shown = eventsSent;
        },
      });
      console.log(`\n${formatSimulationSummary(summary)}`);
      return 0;
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      // Ctrl-C cancels the run: the activity stops sending and the summary is still printed. A
      // cancellation no worker confirms is reported, not waited for.
      console.log(`${error.signal}: cancelling ${workflowId} (again to leave at once)`);
      try {
        await cancelAndWait(handle, { ...options, waitForWorker: true });
      } catch (failure) {
        if (!(failure instanceof CancellationNotConfirmed)) throw failure;
        console.error(failure.message);
        return exitCodeFor(error.signal);
      }
      const summary = await handle.result().catch(() => undefined);
      if (summary) console.log(`\n${formatSimulationSummary(summary)}`);
      return 0;
    }
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    console.error(`${workflowId} failed: ${describeFailure(error)}`);
    return 2;
  } finally {
    await client.connection.close();
  }
}
