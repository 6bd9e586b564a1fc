// After every other suite of test/run-all: no test started a workflow in the platform's own
// namespace (what a user's Temporal Web UI shows), only in the tests' (PETADOTA_TEST_NAMESPACE) or
// in namespaces of their own. The platform's own task queues are left out, so a platform running
// beside the tests (make run) does not count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectTemporalClient } from '../../platform/clients';
import { loadConfig } from '../../platform/config';
import { IMAGES_TASK_QUEUE } from '../../contracts/images';
import { PROVISIONING_TASK_QUEUE } from '../../contracts/provisioning';
import { TRENDS_TASK_QUEUE } from '../../contracts/trends';
import { testSettings } from '../kit/platform';

test("the tests started no workflow in the platform's namespace", async () => {
  const platform = loadConfig();
  assert.notEqual(platform.temporal.namespace, testSettings.string('PETADOTA_TEST_NAMESPACE'));
  // test/run-all says when the run began; on its own, this test looks at the last hour.
  const since =
    testSettings.optional('PETADOTA_TESTS_STARTED_AT') ?? new Date(Date.now() - 3600_000).toISOString();
  const client = await connectTemporalClient(platform.temporal);
  try {
    const queues = [PROVISIONING_TASK_QUEUE, IMAGES_TASK_QUEUE, TRENDS_TASK_QUEUE].map(
      (queue) => `'${queue}'`,
    );
    const query = `StartTime >= '${since}' AND TaskQueue NOT IN (${queues.join(', ')})`;
    const strays: string[] = [];
    for await (const workflow of client.workflow.list({ query }))
      strays.push(`${workflow.workflowId} (${workflow.taskQueue})`);
    assert.deepEqual(
      strays,
      [],
      `workflows started in namespace ${platform.temporal.namespace} since ${since}`,
    );
  } finally {
    await client.connection.close();
  }
});
