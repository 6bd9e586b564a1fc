import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createSmokeActivities } from '../fixtures/activities';
import { sleepOneDayWorkflow } from '../fixtures/workflows/smoke';
import { smokeWorkflowsPath, uniqueName } from '../kit/platform';
import { startTimeSkippingEnvironment } from '../kit/timeskipping';

const ONE_DAY_MS = 24 * 60 * 60 * 1000;
let env: TestWorkflowEnvironment;

before(async () => {
  env = await startTimeSkippingEnvironment();
});

after(async () => {
  await env?.teardown();
});

test('a workflow that sleeps for a simulated day completes under time skipping', async () => {
  const taskQueue = uniqueName('timeskipping-smoke');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: smokeWorkflowsPath,
    activities: createSmokeActivities(),
  });

  const result = await worker.runUntil(
    env.client.workflow.execute(sleepOneDayWorkflow, { taskQueue, workflowId: uniqueName('sleep-one-day') }),
  );

  // Workflow time moved a full day (and not a second timer's worth more); wall time did not.
  assert.ok(result.workflowMsElapsed >= ONE_DAY_MS, `elapsed ${result.workflowMsElapsed} ms`);
  assert.ok(result.workflowMsElapsed < ONE_DAY_MS + 60_000, `elapsed ${result.workflowMsElapsed} ms`);
});
