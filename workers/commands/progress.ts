// What every command that starts a workflow prints: where to see it, progress while it runs,
// and the whole failure chain when it fails.
import {
  type Client,
  WorkflowFailedError,
  type WorkflowHandle,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { PlatformConfig } from '../config';

/** The workflow's page in the Temporal Web UI. */
export function workflowUiUrl(config: PlatformConfig, workflowId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Waits for the result, printing each activity that is running or retrying, and why. */
export async function withProgress<T>(
  handle: Pick<WorkflowHandle, 'describe'> & { result(): Promise<T> },
): Promise<T> {
  const printed = new Set<string>();
  const printPending = async (): Promise<void> => {
    const { raw } = await handle.describe();
    for (const activity of raw.pendingActivities ?? []) {
      const failure = activity.lastFailure?.message ? `, last failure: ${activity.lastFailure.message}` : '';
      const line = `  … ${activity.activityType?.name ?? 'activity'} (attempt ${activity.attempt ?? 1}${failure})`;
      if (!printed.has(line)) console.log(line);
      printed.add(line);
    }
  };
  const ticker = setInterval(() => void printPending().catch(() => undefined), 1000);
  try {
    return await handle.result();
  } finally {
    clearInterval(ticker);
  }
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

/** Cancels a running workflow and waits until it has closed; returns how it ended. */
export async function cancelAndWait(handle: WorkflowHandle): Promise<string> {
  await handle.cancel();
  try {
    await handle.result();
  } catch (error) {
    // Cancellation is the expected way for a loop to end.
    if (!(error instanceof WorkflowFailedError)) throw error;
  }
  return (await handle.describe()).status.name;
}
