// `bin/petadota images …`: start, inspect, pause, resume and stop images-loop; run one cycle.
import { parseArgs } from 'node:util';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { imageLoopStatus, pauseImageLoop, resumeImageLoop } from '../../contracts/image-loop-messages';
import {
  IMAGE_CYCLE_WORKFLOW_TYPE,
  IMAGE_LOOP_WORKFLOW_ID,
  IMAGE_LOOP_WORKFLOW_TYPE,
  IMAGES_TASK_QUEUE,
  type ImageCycleInput,
  type ImageLoopInput,
  imageCycleWorkflowId,
} from '../../contracts/images';
import type { imageCycle, imageLoop } from '../../workflows';
import type { PlatformConfig } from '../config';
import { connectTemporalClient } from '../connections';
import { formatImageCycleSummary, formatImageLoopStatus } from '../report';
import { cancelAndWait, describeFailure, runningWorkflow, withProgress, workflowUiUrl } from './progress';
import { UsageError, wholeNumber } from './usage';

export const IMAGES_USAGE = `  images start [--interval 30] [--dogs 10] [--cats 10] [--concurrency 4]
                                  start images-loop (joins it when it is already running)
  images status                   the loop's state, totals, next cycle and latest cycles
  images pause | images resume    stop starting cycles / start them again on the same grid
  images stop                     cancel images-loop (a cycle in flight finishes on its own)
  images cycle [--dogs 10] [--cats 10] [--concurrency 4]
                                  run one imageCycle now and print what it stored`;

export async function images(config: PlatformConfig, args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  const client = await connectTemporalClient(config);
  try {
    switch (subcommand) {
      case 'start':
        return await startLoop(config, client, rest);
      case 'status':
        return await printStatus(client);
      case 'pause':
      case 'resume':
        return await signalLoop(client, subcommand);
      case 'stop':
        return await stopLoop(client);
      case 'cycle':
        return await runCycle(config, client, rest);
      default:
        throw new UsageError(`unknown images command '${subcommand ?? ''}'`);
    }
  } finally {
    await client.connection.close();
  }
}

const CYCLE_OPTIONS = {
  dogs: { type: 'string' },
  cats: { type: 'string' },
  concurrency: { type: 'string' },
} as const;

function cycleInput(values: { dogs?: string; cats?: string; concurrency?: string }): ImageCycleInput {
  const input: ImageCycleInput = {};
  if (values.dogs !== undefined) input.dogs = wholeNumber('--dogs', values.dogs, 0, 50);
  if (values.cats !== undefined) input.cats = wholeNumber('--cats', values.cats, 0, 50);
  if (values.concurrency !== undefined)
    input.concurrency = wholeNumber('--concurrency', values.concurrency, 1, 20);
  return input;
}

async function startLoop(config: PlatformConfig, client: Client, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ...CYCLE_OPTIONS, interval: { type: 'string' } } });
  const input: ImageLoopInput = { cycle: cycleInput(values) };
  if (values.interval !== undefined)
    input.intervalSeconds = wholeNumber('--interval', values.interval, 1, 86_400);
  // One loop per namespace: a second start joins the running one (and keeps its input).
  const handle = await client.workflow.start<typeof imageLoop>(IMAGE_LOOP_WORKFLOW_TYPE, {
    taskQueue: IMAGES_TASK_QUEUE,
    workflowId: IMAGE_LOOP_WORKFLOW_ID,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
  const { runId, startTime } = await handle.describe();
  console.log(
    `${IMAGE_LOOP_WORKFLOW_TYPE} ${IMAGE_LOOP_WORKFLOW_ID} running since ${startTime.toISOString()} (run ${runId})`,
  );
  console.log(`Temporal UI: ${workflowUiUrl(config, IMAGE_LOOP_WORKFLOW_ID)}`);
  console.log('Status: bin/petadota images status');
  return 0;
}

async function printStatus(client: Client): Promise<number> {
  const handle = await runningWorkflow(client, IMAGE_LOOP_WORKFLOW_ID, 'bin/petadota images start');
  if (!handle) return 1;
  console.log(formatImageLoopStatus(await handle.query(imageLoopStatus)));
  return 0;
}

async function signalLoop(client: Client, what: 'pause' | 'resume'): Promise<number> {
  const handle = await runningWorkflow(client, IMAGE_LOOP_WORKFLOW_ID, 'bin/petadota images start');
  if (!handle) return 1;
  await handle.signal(what === 'pause' ? pauseImageLoop : resumeImageLoop);
  const status = await handle.query(imageLoopStatus);
  console.log(
    status.paused
      ? `${IMAGE_LOOP_WORKFLOW_ID} paused: no new cycle starts until 'bin/petadota images resume'`
      : `${IMAGE_LOOP_WORKFLOW_ID} running: next cycle at ${status.nextTickAt}`,
  );
  return 0;
}

async function stopLoop(client: Client): Promise<number> {
  const handle = await runningWorkflow(client, IMAGE_LOOP_WORKFLOW_ID, 'bin/petadota images start');
  if (!handle) return 1;
  const status = await cancelAndWait(handle);
  console.log(`${IMAGE_LOOP_WORKFLOW_ID} stopped (${status}); a cycle in flight finishes on its own`);
  return 0;
}

async function runCycle(config: PlatformConfig, client: Client, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: CYCLE_OPTIONS });
  const input = cycleInput(values);
  const workflowId = imageCycleWorkflowId(new Date());
  const handle = await client.workflow.start<typeof imageCycle>(IMAGE_CYCLE_WORKFLOW_TYPE, {
    taskQueue: IMAGES_TASK_QUEUE,
    workflowId,
    args: [input],
  });
  console.log(`${IMAGE_CYCLE_WORKFLOW_TYPE} ${workflowId}`);
  console.log(`Temporal UI: ${workflowUiUrl(config, workflowId)}`);
  try {
    console.log(`\n${formatImageCycleSummary(await withProgress(handle))}`);
    return 0;
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    console.error(`${workflowId} failed: ${describeFailure(error)}`);
    return 2;
  }
}
