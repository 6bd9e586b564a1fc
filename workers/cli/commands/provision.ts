// `bin/petadota provision`: runs provisionInfrastructure and prints its validation report.
import { parseArgs } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import {
  PROVISION_WORKFLOW_TYPE,
  PROVISIONING_TASK_QUEUE,
  type ProvisionInput,
  provisionWorkflowId,
} from '../../../contracts/provisioning';
import type { provisionInfrastructure } from '../../../workflows/provisioning/workflow';
import type { PlatformConfig } from '../../../platform/config';
import { connectTemporalClient } from '../../../platform/clients';
import { formatProvisioningReport } from '../tables';
import { describeFailure, waitForResult, workflowUiUrl } from '../progress';

export async function provision(config: PlatformConfig, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      environment: { type: 'string', default: 'local' },
      mode: { type: 'string', default: 'local' },
      'wait-for-worker': { type: 'boolean', default: false },
    },
  });
  const input: ProvisionInput = {
    environment: values.environment,
    mode: values.mode as ProvisionInput['mode'],
  };
  const workflowId = provisionWorkflowId(input);
  const client = await connectTemporalClient(config.temporal);
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
    console.log(`Temporal UI: ${workflowUiUrl(config, workflowId)}`);
    const report = await waitForResult(handle, {
      client,
      config,
      taskQueue: PROVISIONING_TASK_QUEUE,
      waitForWorker: values['wait-for-worker'],
    });
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
