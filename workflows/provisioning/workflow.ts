// provisionInfrastructure: creates and validates everything the platform needs. Each step is
// an idempotent activity, so running it again changes nothing and reports no changes.
import { ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { createProvisioningActivities } from '../../activities/provisioning';
import { ErrorType, NON_RETRYABLE_ERROR_TYPES } from '../../contracts/errors';
import { ENVIRONMENT_NAME, type ProvisionInput, type ProvisioningReport } from '../../contracts/provisioning';

type ProvisioningActivities = ReturnType<typeof createProvisioningActivities>;

// Services may still be starting: keep retrying with backoff for a while, then give up.
const steps = proxyActivities<ProvisioningActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '15 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

// terraform and ansible-playbook are long and not always safe to hammer: few attempts, heartbeats.
const cloudSteps = proxyActivities<ProvisioningActivities>({
  startToCloseTimeout: '45 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '30 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES, ErrorType.CommandFailed],
  },
});

export async function provisionInfrastructure(input: ProvisionInput): Promise<ProvisioningReport> {
  const { environment, mode } = checkInput(input);
  const cloud: string[] = [];
  if (mode === 'cloud') {
    const terraform = await cloudSteps.applyTerraform({ environment });
    cloud.push(...terraform.changes);
    cloud.push(...(await cloudSteps.runAnsiblePlaybook({ inventory: terraform.inventory })));
  }

  // The accounts' grants name the tables, so they follow the schema; the rest is independent.
  const [bucket, [schema, accounts], topics] = await Promise.all([
    steps.ensureBucket({ mode }),
    steps.applySchema().then(async (schemaChanges) => [schemaChanges, await steps.ensureAccounts()] as const),
    steps.ensureTopics(),
  ]);
  const validation = await steps.validatePlatform();

  const report: ProvisioningReport = {
    environment,
    ...validation.target,
    changes: { cloud, bucket, schema, accounts, topics },
    checks: validation.checks,
    ok: validation.checks.every((check) => check.ok),
  };
  const failed = report.checks.filter((check) => !check.ok);
  if (failed.length > 0) {
    log.warn('provisioning validation failed', {
      failed: failed.map((check) => `${check.name}: ${check.detail}`),
    });
  }
  return report;
}

function checkInput(input: ProvisionInput): Required<ProvisionInput> {
  const environment: unknown = input?.environment;
  if (typeof environment !== 'string' || !ENVIRONMENT_NAME.test(environment)) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidConfiguration,
      nonRetryable: true,
      message: `input.environment must be lower-case letters, digits and '-' (at most 63), got ${JSON.stringify(environment)}`,
    });
  }
  const mode = input.mode ?? 'local';
  if (mode !== 'local' && mode !== 'cloud') {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidConfiguration,
      nonRetryable: true,
      message: `input.mode must be 'local' or 'cloud', got ${JSON.stringify(mode)}`,
    });
  }
  return { environment, mode };
}
