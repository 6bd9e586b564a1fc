// The time-skipping test server, from the binary the local stack installs (no download).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { config, quietTemporalLogs, uniqueName } from './platform';

export async function startTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  quietTemporalLogs();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: config.tools.temporalTestServerPath } },
  });
}

/** Runs `drive(taskQueue)` while a worker with the platform's workflows and these activities serves a fresh task queue. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: object,
  drive: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueName('timeskipping');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities,
  });
  return worker.runUntil(drive(taskQueue));
}
