// A platform worker in a process of its own (bin/petadota worker), as the stack runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { IMAGES_TASK_QUEUE } from '../../contracts/images';

/**
 * Starts `bin/petadota worker` with `env` and resolves once Temporal lists it among the pollers
 * of the images task queue (its workflow bundle takes seconds to build).
 */
export async function startWorkerProcess(client: Client, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const worker = spawn('bin/petadota', ['worker'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await delay(250)) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: IMAGES_TASK_QUEUE },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    if (pollers.some((poller) => poller.identity?.startsWith(`${worker.pid}@`))) return worker;
    if (worker.exitCode !== null) break;
  }
  worker.kill('SIGKILL');
  throw new Error(`worker process ${worker.pid} never polled ${IMAGES_TASK_QUEUE} (exit ${worker.exitCode})`);
}

/** SIGTERM, then waits for the exit: the worker finishes its tasks in flight first. */
export async function stopWorkerProcess(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  worker.kill('SIGTERM');
  await once(worker, 'exit');
}
