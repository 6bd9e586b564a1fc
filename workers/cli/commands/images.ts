// `bin/petadota images …`: start, inspect, pause, resume and stop images-loop; run one cycle.
import { parseArgs } from 'node:util';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { imageLoopStatus, pauseImageLoop, resumeImageLoop } from '../../../contracts/image-loop-messages';
import {
  IMAGE_CYCLE_WORKFLOW_TYPE,
  IMAGE_LOOP_WORKFLOW_ID,
  IMAGE_LOOP_WORKFLOW_TYPE,
  IMAGES_TASK_QUEUE,
  type ImageCycleInput,
  type ImageLoopInput,
  imageCycleWorkflowId,
} from '../../../contracts/images';
import type { imageCycle, imageLoop } from '../../../workflows';
import type { PlatformConfig } from '../../../platform/config';
import { connectTemporalClient } from '../../../platform/clients';
import { formatImageCycleSummary, formatImageLoopStatus } from '../tables';
import {
  cancelAndWait,
  describeFailure,
  queryWhenPolled,
  runningWorkflow,
  waitForResult,
  workflowUiUrl,
  startOrJoin,
} from '../progress';
import { UsageError, wholeNumber } from '../usage';

export const IMAGES_USAGE = `  images start [--interval 30] [--dogs 10] [--cats 10] [--concurrency 4]
                                  start images-loop (joins it when it is already running)
  images status [--json]          the loop's state, totals, next cycle and latest cycles
  images pause | images resume    stop starting cycles / start them again on the same grid
  images stop [--wait-for-worker] cancel images-loop (a cycle in flight finishes on its own)
  images cycle [--dogs 10] [--cats 10] [--concurrency 4] [--json] [--wait-for-worker]
                                  run one imageCycle now and print what it stored`;

export async function images(config: PlatformConfig, args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  const client = await connectTemporalClient(config.temporal);
  try {
    switch (subcommand) {
      case 'start':
        return await startLoop(config, client, rest);
      case 'status':
        return await printStatus(config, client, rest);
      case 'pause':
      case 'resume':
        return await signalLoop(config, client, subcommand);
      case 'stop':
        return await stopLoop(config, client, rest);
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
  await startOrJoin<typeof imageLoop>(client, config, IMAGE_LOOP_WORKFLOW_TYPE, {
    taskQueue: IMAGES_TASK_QUEUE,
    workflowId: IMAGE_LOOP_WORKFLOW_ID,
    args: [input],
  });
  console.log('Status: bin/petadota images status');
  return 0;
}

const onImagesQueue = (config: PlatformConfig, client: Client) => ({
  client,
  config,
  taskQueue: IMAGES_TASK_QUEUE,
});

async function printStatus(config: PlatformConfig, client: Client, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
  const handle = await runningWorkflow(client, IMAGE_LOOP_WORKFLOW_ID, 'bin/petadota images start');
  if (!handle) return 1;
  const status = await queryWhenPolled(handle, imageLoopStatus, onImagesQueue(config, client));
  console.log(values.json ? JSON.stringify(status, null, 2) : formatImageLoopStatus(status));
  return 0;
}

async function signalLoop(config: PlatformConfig, client: Client, what: 'pause' | 'resume'): Promise<number> {
  const handle = await runningWorkflow(client, IMAGE_LOOP_WORKFLOW_ID, 'bin/petadota images start');
  if (!handle) return 1;
  await handle.signal(what === 'pause' ? pauseImageLoop : resumeImageLoop);
  const status = await queryWhenPolled(handle, imageLoopStatus, onImagesQueue(config, client));
  console.log(
    status.paused
      ? `${IMAGE_LOOP_WORKFLOW_ID} paused: no new cycle starts until 'bin/petadota images resume'`
      : `${IMAGE_LOOP_WORKFLOW_ID} running: next cycle at ${status.nextTickAt}`,
  );
  return 0;
}

async function stopLoop(config: PlatformConfig, client: Client, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'wait-for-worker': { type: 'boolean', default: false } } });
  const handle = await runningWorkflow(client, IMAGE_LOOP_WORKFLOW_ID, 'bin/petadota images start');
  if (!handle) return 1;
  const status = await cancelAndWait(handle, {
    ...onImagesQueue(config, client),
    waitForWorker: values['wait-for-worker'],
  });
  console.log(`${IMAGE_LOOP_WORKFLOW_ID} stopped (${status}); a cycle in flight finishes on its own`);
  return 0;
}

async function runCycle(config: PlatformConfig, client: Client, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...CYCLE_OPTIONS,
      json: { type: 'boolean', default: false },
      'wait-for-worker': { type: 'boolean', default: false },
    },
  });
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
    const summary = await waitForResult(handle, {
      ...onImagesQueue(config, client),
      waitForWorker: values['wait-for-worker'],
    });
    console.log(`\n${values.json ? JSON.stringify(summary, null, 2) : formatImageCycleSummary(summary)}`);
    return 0;
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    console.error(`${workflowId} failed: ${describeFailure(error)}`);
    return 2;
  }
}
