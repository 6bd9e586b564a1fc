// The contract of the provisioning workflow: every client (CLI, tctl, Airflow) uses these names,
// declared in temporal.json.
import { formatWorkflowId, TEMPORAL_CONTRACTS } from './temporal';

const { provisioning } = TEMPORAL_CONTRACTS;
export const PROVISIONING_TASK_QUEUE = provisioning.taskQueue;
export const PROVISION_WORKFLOW_TYPE =
  'provisionInfrastructure' satisfies keyof typeof provisioning.workflows;

export interface ProvisionInput {
  /** Which environment this is (`local`, `gcp-prod`, …): names the workflow, appears in the report. */
  environment: string;
  /**
   * `local` (default) provisions the services the worker is configured for. `cloud` first runs
   * `terraform apply` (bucket, VM, firewall) and the Ansible playbook (MySQL on the VM).
   */
  mode?: 'local' | 'cloud';
}

/** `provision:<environment>`: one provisioning run per environment at a time. */
export function provisionWorkflowId(input: Pick<ProvisionInput, 'environment'>): string {
  return formatWorkflowId(provisioning.workflows.provisionInfrastructure.workflowId, input);
}

export const ENVIRONMENT_NAME = new RegExp(provisioning.workflows.provisionInfrastructure.environmentPattern);

export type ValidationArea = 'schema' | 'accounts' | 'bucket' | 'topics';

export interface ValidationCheck {
  area: ValidationArea;
  /** What was checked, e.g. `table animais_disponiveis` or `petadota_leitura cannot INSERT`. */
  name: string;
  ok: boolean;
  /** What was found: the evidence when ok, what is wrong when not. */
  detail: string;
}

/** What a provisioning run changed; all empty when everything already was as declared. */
export interface ProvisioningChanges {
  cloud: string[];
  bucket: string[];
  schema: string[];
  accounts: string[];
  topics: string[];
}

export interface ProvisioningReport {
  environment: string;
  database: string;
  bucket: string;
  archiveBucket: string;
  topics: string[];
  changes: ProvisioningChanges;
  checks: ValidationCheck[];
  /** True when every check passed. */
  ok: boolean;
}
