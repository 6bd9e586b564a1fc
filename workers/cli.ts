// The operators' CLI: bin/petadota <command>. Starts and inspects the platform's workflows.
import { parseArgs } from 'node:util';
import { type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import {
  PROVISION_WORKFLOW_TYPE,
  PROVISIONING_TASK_QUEUE,
  type ProvisionInput,
  provisionWorkflowId,
} from '../contracts/provisioning';
import type { provisionInfrastructure } from '../workflows/provisioning/workflow';
import { IMAGES_TASK_QUEUE } from '../contracts/images';
import { loadConfig, type PlatformConfig } from './config';
import { connectTemporalClient } from './connections';
import { formatProvisioningReport } from './report';
import { startWorkers } from './worker';

const USAGE = `Usage: bin/petadota <command> [options]

Commands:
  worker                          run the platform's worker (until Ctrl-C)
  provision [--environment local] [--mode local|cloud]
                                  run provisionInfrastructure (ID provision:<environment>) and print
                                  its validation report; exit code 1 when validation fails
  help                            this text

Configuration comes from environment variables (see README.md, Configuration).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'worker':
      return runWorker(loadConfig());
    case 'provision':
      return provision(loadConfig(), rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

async function runWorker(config: PlatformConfig): Promise<number> {
  const workers = await startWorkers(config);
  console.log(
    `worker polling ${PROVISIONING_TASK_QUEUE} and ${IMAGES_TASK_QUEUE} on ${config.temporal.address} (Ctrl-C stops it)`,
  );
  await workers.done;
  return 0;
}

async function provision(config: PlatformConfig, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      environment: { type: 'string', default: 'local' },
      mode: { type: 'string', default: 'local' },
    },
  });
  const input: ProvisionInput = {
    environment: values.environment,
    mode: values.mode as ProvisionInput['mode'],
  };
  const workflowId = provisionWorkflowId(input);
  const client = await connectTemporalClient(config);
  try {
    // A run already in progress for this environment is joined, never duplicated.
    const handle = await client.workflow.start<typeof provisionInfrastructure>(PROVISION_WORKFLOW_TYPE, {
      taskQueue: PROVISIONING_TASK_QUEUE,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    console.log(`${PROVISION_WORKFLOW_TYPE} ${workflowId} (run ${handle.firstExecutionRunId})`);
    console.log(
      `Temporal UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`,
    );
    const report = await withProgress(handle);
    console.log(`\n${formatProvisioningReport(report)}`);
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof WorkflowFailedError) {
      console.error(`${workflowId} failed: ${describeFailure(error)}`);
      return 2;
    }
    throw error;
  } finally {
    await client.connection.close();
  }
}

/** Waits for the result, printing each activity that is running or retrying, and why. */
async function withProgress<T>(
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
function describeFailure(error: Error): string {
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(2);
  },
);
