import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { createProvisioningActivities } from '../../activities/provisioning';
import { ErrorType } from '../../contracts/errors';
import {
  type ProvisionInput,
  type ProvisioningReport,
  provisionWorkflowId,
} from '../../contracts/provisioning';
import { provisionInfrastructure } from '../../workflows';
import { startTimeSkippingEnvironment, withWorker } from '../kit/timeskipping';

type ProvisioningActivities = ReturnType<typeof createProvisioningActivities>;

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkippingEnvironment();
});
after(async () => {
  await env?.teardown();
});

const TARGET = {
  database: 'Pet_Adota',
  bucket: 'pet-adota-imagens',
  archiveBucket: 'pet-adota-arquivo',
  topics: ['interacoes', 'interacoes-dlq'],
};
const OK_CHECK = {
  area: 'schema' as const,
  name: 'table animais_disponiveis',
  ok: true,
  detail: 'as declared',
};

/** Typed fakes of the provisioning activities: everything already provisioned, unless overridden. */
function fakeActivities(overrides: Partial<ProvisioningActivities> = {}): ProvisioningActivities {
  return {
    ensureBucket: () => Promise.resolve([]),
    applySchema: () => Promise.resolve([]),
    ensureAccounts: () => Promise.resolve([]),
    ensureTopics: () => Promise.resolve([]),
    validatePlatform: () => Promise.resolve({ target: TARGET, checks: [OK_CHECK] }),
    applyTerraform: () => Promise.reject(new Error('not in cloud mode')),
    runAnsiblePlaybook: () => Promise.reject(new Error('not in cloud mode')),
    ...overrides,
  };
}

function provision(activities: ProvisioningActivities, input: ProvisionInput): Promise<ProvisioningReport> {
  return withWorker(env, activities, (taskQueue) =>
    env.client.workflow.execute(provisionInfrastructure, {
      taskQueue,
      workflowId: `${provisionWorkflowId(input)}-${taskQueue}`,
      args: [input],
    }),
  );
}

test('a database that is not up yet is retried with exponential backoff until it answers', async () => {
  const startedAt: number[] = [];
  const report = await provision(
    fakeActivities({
      applySchema: async () => {
        // The test server's clock, which skips ahead over the backoff.
        startedAt.push(await env.currentTimeMs());
        if (Context.current().info.attempt < 4) throw new Error('connect ECONNREFUSED 127.0.0.1:3306');
        return ['applied migration 001_catalogo_e_tendencias'];
      },
    }),
    { environment: 'local' },
  );

  assert.equal(startedAt.length, 4);
  // Retry policy: 1 s, doubling. Each gap is the backoff plus the few ms the attempt took.
  const gapsInSeconds = startedAt.slice(1).map((at, i) => Math.round((at - startedAt[i]!) / 1000));
  assert.deepEqual(gapsInSeconds, [1, 2, 4]);
  assert.deepEqual(report.changes.schema, ['applied migration 001_catalogo_e_tendencias']);
  assert.equal(report.ok, true);
});

test('a configuration error fails the workflow at once, with its type in the failure chain', async () => {
  let attempts = 0;
  const failure = provision(
    fakeActivities({
      // eslint-disable-next-line @typescript-eslint/require-await
      ensureAccounts: async () => {
        attempts += 1;
        throw ApplicationFailure.create({
          type: ErrorType.InvalidConfiguration,
          nonRetryable: true,
          message: 'MYSQL_PIPELINE_PASSWORD is not set',
        });
      },
    }),
    { environment: 'local' },
  );

  await assert.rejects(failure, (error: unknown) => {
    assert.ok(error instanceof WorkflowFailedError);
    assert.ok(error.cause instanceof ActivityFailure);
    assert.equal(error.cause.activityType, 'ensureAccounts');
    assert.ok(error.cause.cause instanceof ApplicationFailure);
    assert.equal(error.cause.cause.type, ErrorType.InvalidConfiguration);
    assert.equal(error.cause.cause.message, 'MYSQL_PIPELINE_PASSWORD is not set');
    return true;
  });
  assert.equal(attempts, 1);
});

test('an invalid environment name is refused before anything is touched', async () => {
  let touched = false;
  const touch = (): Promise<string[]> => {
    touched = true;
    return Promise.resolve([]);
  };
  const failure = provision(
    fakeActivities({ ensureBucket: touch, applySchema: touch, ensureTopics: touch }),
    {
      environment: '../Prod',
    },
  );

  await assert.rejects(failure, (error: unknown) => {
    assert.ok(error instanceof WorkflowFailedError);
    assert.ok(error.cause instanceof ApplicationFailure);
    assert.equal(error.cause.type, ErrorType.InvalidConfiguration);
    assert.match(error.cause.message, /input\.environment must be lower-case letters/);
    return true;
  });
  assert.equal(touched, false);
});

test('the report carries every change and check, and is not ok when a check failed', async () => {
  const failed = { area: 'topics' as const, name: 'topic interacoes', ok: false, detail: 'topic is missing' };
  const report = await provision(
    fakeActivities({
      ensureBucket: () => Promise.resolve(['created bucket pet-adota-imagens']),
      applySchema: () => Promise.resolve(['created database Pet_Adota']),
      ensureAccounts: () => Promise.resolve(['created account petadota_leitura@127.0.0.1 (readonly)']),
      ensureTopics: () => Promise.resolve(['created topic interacoes (3 partitions)']),
      validatePlatform: () => Promise.resolve({ target: TARGET, checks: [OK_CHECK, failed] }),
    }),
    { environment: 'staging' },
  );

  assert.deepEqual(report, {
    environment: 'staging',
    ...TARGET,
    changes: {
      cloud: [],
      bucket: ['created bucket pet-adota-imagens'],
      schema: ['created database Pet_Adota'],
      accounts: ['created account petadota_leitura@127.0.0.1 (readonly)'],
      topics: ['created topic interacoes (3 partitions)'],
    },
    checks: [OK_CHECK, failed],
    ok: false,
  });
});

test('cloud mode runs terraform, then the playbook on the inventory terraform wrote', async () => {
  const calls: string[] = [];
  const report = await provision(
    fakeActivities({
      applyTerraform: ({ environment }) => {
        calls.push(`terraform ${environment}`);
        return Promise.resolve({
          changes: ['terraform (gcp-prod): Apply complete!'],
          inventory: '/state/inv.ini',
        });
      },
      runAnsiblePlaybook: ({ inventory }) => {
        calls.push(`ansible ${inventory}`);
        return Promise.resolve(['ansible 10.0.0.5 : ok=18 changed=0']);
      },
      ensureBucket: () => {
        calls.push('bucket');
        return Promise.resolve([]);
      },
    }),
    { environment: 'gcp-prod', mode: 'cloud' },
  );

  assert.deepEqual(calls, ['terraform gcp-prod', 'ansible /state/inv.ini', 'bucket']);
  assert.deepEqual(report.changes.cloud, [
    'terraform (gcp-prod): Apply complete!',
    'ansible 10.0.0.5 : ok=18 changed=0',
  ]);
});
