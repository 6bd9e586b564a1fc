// What every command that starts a workflow or waits for one does: where to see it, progress while
// it runs, the whole failure chain when it fails, and a clear answer, not a silent wait, when no
// worker polls the workflow's task queue or the operator presses Ctrl-C.
import {
  type Client,
  type QueryDefinition,
  type Workflow,
  WorkflowFailedError,
  type WorkflowHandle,
  WorkflowNotFoundError,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { PlatformConfig } from '../../platform/config';
import { Interrupted, pause, untilInterrupted, whenInterrupted, within } from './interrupt';

/** How long a workflow's next task may wait for a worker before the command says none is there. */
export const NO_WORKER_GRACE_MS = 5000;
/** A live worker polls its queue without pause (each long poll lasts about a minute). */
const POLLER_ALIVE_MS = 90_000;

const { PendingWorkflowTaskState, PendingActivityState, TaskQueueType, TaskQueueKind } =
  temporal.api.enums.v1;

/** No worker took the workflow's tasks: the workflow is queued in Temporal, nothing runs it. */
export class NoWorkerError extends Error {
  override readonly name = 'NoWorkerError';
  constructor(
    readonly taskQueue: string,
    readonly namespace: string,
    readonly address: string,
    what: string,
    seen: string,
  ) {
    super(
      `no worker is polling task queue ${taskQueue} in namespace ${namespace} at ${address}: ${what} (${seen}).\n` +
        `Start one: bin/petadota worker (or infra/local/stack up worker), with the same TEMPORAL_ADDRESS and ` +
        `TEMPORAL_NAMESPACE as here; or wait for one with --wait-for-worker.`,
    );
  }
}

/**
 * Starts a workflow, or joins the run of that ID while it runs (a restarted caller never starts a
 * second one), and prints which run it is and where to see it.
 */
export async function startOrJoin<W extends Workflow>(
  client: Client,
  config: PlatformConfig,
  workflowType: string,
  options: WorkflowStartOptions<W>,
): Promise<WorkflowHandle<W>> {
  const handle = await client.workflow.start<W>(workflowType, {
    ...options,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
  const { runId, startTime } = await handle.describe();
  console.log(
    `${workflowType} ${options.workflowId} running since ${startTime.toISOString()} (run ${runId})`,
  );
  console.log(`Temporal UI: ${workflowUiUrl(config, options.workflowId)}`);
  return handle;
}

/** The workflow's page in the Temporal Web UI. */
export function workflowUiUrl(config: PlatformConfig, workflowId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export interface WaitOptions {
  client: Client;
  config: PlatformConfig;
  taskQueue: string;
  /** Keep waiting when no worker polls the task queue (`--wait-for-worker`). */
  waitForWorker: boolean;
  /** Prints the progress of each description; by default, each pending activity once. */
  onDescription?: (description: Awaited<ReturnType<WorkflowHandle['describe']>>) => void;
}

/** The last time Temporal saw a poller of the queue, or why it saw none. */
async function pollerSeen(
  client: Client,
  taskQueue: string,
  type: 'workflow' | 'activity',
): Promise<{ alive: boolean; seen: string }> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType:
      type === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  const latest = Math.max(
    0,
    ...(pollers ?? []).map((poller) => Number(poller.lastAccessTime?.seconds ?? 0) * 1000),
  );
  if (latest === 0) return { alive: false, seen: 'Temporal has seen no poller on it' };
  const ago = Math.round((Date.now() - latest) / 1000);
  return { alive: Date.now() - latest < POLLER_ALIVE_MS, seen: `its last poller was seen ${ago} s ago` };
}

/**
 * Rejects with NoWorkerError once a task of the workflow has waited NO_WORKER_GRACE_MS for a
 * worker (its workflow task, or an activity out of its retry backoff, still only scheduled) and
 * Temporal lists no live poller of the queue. Calls `onDescription` with every description.
 */
async function watchWorkflow(
  handle: Pick<WorkflowHandle, 'describe' | 'workflowId'>,
  options: WaitOptions,
  watching: { done: boolean },
): Promise<void> {
  const firstSeen = new Map<string, number>();
  while (!watching.done) {
    const description = await handle.describe();
    options.onDescription?.(description);
    const { raw } = description;
    const now = Date.now();
    const waiting: Array<{ key: string; type: 'workflow' | 'activity' }> = [];
    const workflowTask = raw.pendingWorkflowTask;
    if (workflowTask?.state === PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED) {
      waiting.push({ key: `workflow task ${String(workflowTask.scheduledTime?.seconds)}`, type: 'workflow' });
    }
    for (const activity of raw.pendingActivities ?? []) {
      const backoffUntil = Number(activity.nextAttemptScheduleTime?.seconds ?? 0) * 1000;
      if (activity.state === PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED && backoffUntil <= now) {
        waiting.push({
          key: `activity ${activity.activityId} attempt ${activity.attempt}`,
          type: 'activity',
        });
      }
    }
    for (const key of firstSeen.keys()) if (!waiting.some((task) => task.key === key)) firstSeen.delete(key);
    for (const task of waiting) {
      const since = firstSeen.get(task.key) ?? now;
      firstSeen.set(task.key, since);
      if (!options.waitForWorker && now - since >= NO_WORKER_GRACE_MS) {
        const { alive, seen } = await pollerSeen(options.client, options.taskQueue, task.type);
        if (!alive) {
          const what = `${handle.workflowId} has waited ${Math.round((now - since) / 1000)} s for one and stays queued until one polls`;
          throw new NoWorkerError(
            options.taskQueue,
            options.client.options.namespace,
            options.config.temporal.address,
            what,
            seen,
          );
        }
      }
    }
    await pause(1000);
  }
}

/** Each activity that is running or retrying, and why, printed once. */
export function printPendingActivities(): NonNullable<WaitOptions['onDescription']> {
  const printed = new Set<string>();
  return ({ raw }) => {
    for (const activity of raw.pendingActivities ?? []) {
      const failure = activity.lastFailure?.message ? `, last failure: ${activity.lastFailure.message}` : '';
      const line = `  … ${activity.activityType?.name ?? 'activity'} (attempt ${activity.attempt ?? 1}${failure})`;
      if (!printed.has(line)) console.log(line);
      printed.add(line);
    }
  };
}

/**
 * The workflow's result, printing progress while it runs. Rejects with NoWorkerError when no
 * worker takes its tasks (unless asked to wait), and with Interrupted on Ctrl-C: the workflow goes
 * on in Temporal either way.
 */
export async function waitForResult<T>(
  handle: Pick<WorkflowHandle, 'describe' | 'workflowId'> & { result(): Promise<T> },
  options: WaitOptions,
): Promise<T> {
  const watching = { done: false };
  const watcher = watchWorkflow(handle, { onDescription: printPendingActivities(), ...options }, watching);
  watcher.catch(() => undefined);
  try {
    return await Promise.race([
      handle.result(),
      watcher.then(() => new Promise<never>(() => undefined)),
      whenInterrupted(),
    ]);
  } finally {
    watching.done = true;
  }
}

/** A query's answer, or NoWorkerError at once when no worker polls the queue to answer it. */
export async function queryWhenPolled<T>(
  handle: WorkflowHandle,
  query: QueryDefinition<T>,
  options: Pick<WaitOptions, 'client' | 'config' | 'taskQueue'>,
): Promise<T> {
  const { alive, seen } = await pollerSeen(options.client, options.taskQueue, 'workflow');
  if (!alive) {
    throw new NoWorkerError(
      options.taskQueue,
      options.client.options.namespace,
      options.config.temporal.address,
      `a query of ${handle.workflowId} needs one to answer`,
      seen,
    );
  }
  return untilInterrupted(handle.query(query));
}

/** The whole failure chain, e.g. `ActivityFailure: … ← AccessDenied: MySQL refused …`. */
export function describeFailure(error: Error): string {
  const chain: string[] = [];
  for (
    let cause: Error | undefined = error.cause as Error | undefined;
    cause;
    cause = cause.cause as Error | undefined
  ) {
    const type = (cause as { type?: string }).type;
    chain.push(`${type ?? cause.name}: ${cause.message}`);
  }
  return chain.join(' ← ') || error.message;
}

/** The workflow's handle when it is running; prints why not (and how to start it) otherwise. */
export async function runningWorkflow(
  client: Client,
  workflowId: string,
  startCommand: string,
): Promise<WorkflowHandle | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const { status, closeTime } = await handle.describe();
    if (status.name === 'RUNNING') return handle;
    console.error(
      `${workflowId} is not running (it ended ${status.name} at ${closeTime?.toISOString() ?? '?'}); start it with: ${startCommand}`,
    );
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    console.error(`${workflowId} was never started; start it with: ${startCommand}`);
  }
  return undefined;
}

/** How long a cancellation may take to be confirmed before the command reports it undelivered. */
const CANCEL_CONFIRM_MS = 10_000;

/**
 * Cancels a running workflow and waits, for a bounded time, until it has closed; returns how it
 * ended. A cancellation no worker processes in time is reported (it stays requested in Temporal
 * and takes effect when a worker polls), never waited for without end.
 */
export async function cancelAndWait(handle: WorkflowHandle, options: WaitOptions): Promise<string> {
  const unconfirmed = (): Error => new CancellationNotConfirmed(handle.workflowId, CANCEL_CONFIRM_MS);
  await untilInterrupted(within(handle.cancel(), CANCEL_CONFIRM_MS, unconfirmed));
  try {
    await within(
      waitForResult(handle, { ...options, onDescription: () => undefined }),
      CANCEL_CONFIRM_MS,
      unconfirmed,
    );
  } catch (error) {
    // Cancellation is the expected way for a loop to end.
    if (!(error instanceof WorkflowFailedError)) throw error;
  }
  return (await handle.describe()).status.name;
}

/** The cancellation was recorded in Temporal, but no worker has processed it. */
export class CancellationNotConfirmed extends Error {
  override readonly name = 'CancellationNotConfirmed';
  constructor(workflowId: string, waitedMs: number) {
    super(
      `the cancellation of ${workflowId} is requested in Temporal, but no worker confirmed it within ${waitedMs / 1000} s; ` +
        `it takes effect when a worker polls again (or end it now: temporal workflow terminate --workflow-id '${workflowId}')`,
    );
  }
}

export { Interrupted };
