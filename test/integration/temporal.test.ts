import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { connectTemporalClient, connectWorkerConnection } from '../../platform/clients';
import { createSmokeActivities } from '../fixtures/activities';
import { greetWorkflow } from '../fixtures/workflows/smoke';
import { config, quietTemporalLogs, smokeWorkflowsPath, uniqueName } from '../kit/platform';

const run = promisify(execFile);
let client: Client;
let connection: NativeConnection;

before(async () => {
  quietTemporalLogs();
  client = await connectTemporalClient(config.temporal);
  connection = await connectWorkerConnection(config.temporal);
});

after(async () => {
  await connection?.close();
  await client?.connection.close();
});

async function smokeWorker(taskQueue: string): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowsPath: smokeWorkflowsPath,
    activities: createSmokeActivities(),
  });
}

test('a workflow and its activity run on the Temporal dev server', async () => {
  const taskQueue = uniqueName('smoke');
  const workflowId = uniqueName('greet');
  const worker = await smokeWorker(taskQueue);

  const result = await worker.runUntil(
    client.workflow.execute(greetWorkflow, { taskQueue, workflowId, args: ['PetAdota'] }),
  );

  assert.equal(result, 'Olá, PetAdota!');
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const completedActivities = history.events?.filter((event) => event.activityTaskCompletedEventAttributes);
  assert.equal(completedActivities?.length, 1);
});

test('tctl starts a workflow on the dev server with plain JSON input', async () => {
  const taskQueue = uniqueName('smoke-tctl');
  const workflowId = uniqueName('greet-tctl');
  const worker = await smokeWorker(taskQueue);

  const result = await worker.runUntil(async () => {
    const { stdout } = await run(config.tools.tctlPath, [
      '--address',
      config.temporal.address,
      '--namespace',
      config.temporal.namespace,
      'workflow',
      'start',
      '--taskqueue',
      taskQueue,
      '--workflow_type',
      'greetWorkflow',
      '--workflow_id',
      workflowId,
      '--input',
      '"tctl"',
    ]);
    assert.match(stdout, /Started Workflow Id:/);
    return client.workflow.getHandle<typeof greetWorkflow>(workflowId).result();
  });

  assert.equal(result, 'Olá, tctl!');
});

test('the temporal CLI starts a workflow on the dev server with plain JSON input', async () => {
  const taskQueue = uniqueName('smoke-cli');
  const workflowId = uniqueName('greet-cli');
  const worker = await smokeWorker(taskQueue);

  const result = await worker.runUntil(async () => {
    await run(config.tools.temporalCliPath, [
      'workflow',
      'start',
      '--address',
      config.temporal.address,
      '--namespace',
      config.temporal.namespace,
      '--task-queue',
      taskQueue,
      '--type',
      'greetWorkflow',
      '--workflow-id',
      workflowId,
      '--input',
      '"temporal CLI"',
    ]);
    return client.workflow.getHandle<typeof greetWorkflow>(workflowId).result();
  });

  assert.equal(result, 'Olá, temporal CLI!');
});
