// Cloud mode: `terraform apply` (bucket, database VM, firewall, HMAC key) and the Ansible
// playbook (MariaDB on the VM), run by the provisioning workflow as activities.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlatformConfig } from '../../platform/config';

export type CloudSettings = PlatformConfig['cloud'];
type MysqlSettings = PlatformConfig['mysql'];
import { runCommand } from '../command';
import { invalidConfiguration } from '../failures';

export interface TerraformResult {
  changes: string[];
  /** The Ansible inventory written from Terraform's outputs. */
  inventory: string;
}

export async function applyTerraform(cloud: CloudSettings, environment: string): Promise<TerraformResult> {
  const { terraformDir, terraformVarFile, stateDir } = cloud;
  if (!terraformVarFile) {
    throw invalidConfiguration(
      'TERRAFORM_VAR_FILE is not set: cloud mode needs the variables of infra/terraform (see infra/terraform/README.md)',
    );
  }
  const options = { cwd: terraformDir, env: { ...process.env, TF_IN_AUTOMATION: '1' } };
  await runCommand('terraform', ['init', '-input=false'], options);
  await runCommand('terraform', ['workspace', 'select', '-or-create=true', environment], options);
  const applied = await runCommand(
    'terraform',
    [
      'apply',
      '-input=false',
      '-auto-approve',
      `-var-file=${terraformVarFile}`,
      `-var=environment=${environment}`,
    ],
    options,
  );
  // Only non-sensitive outputs are read (the HMAC secret never reaches logs or workflow history).
  const output = async (name: string): Promise<string> =>
    (await runCommand('terraform', ['output', '-raw', name], options)).join('').trim();
  const host = await output('mysql_host');
  const sshUser = await output('ssh_user');

  const inventory = join(stateDir, `inventory-${environment}.ini`);
  await mkdir(stateDir, { recursive: true });
  await writeFile(
    inventory,
    `# Written by the provisioning workflow from Terraform's outputs (${environment}).\n` +
      `[petadota_mysql]\n${host} ansible_user=${sshUser} ansible_python_interpreter=/usr/bin/python3\n`,
  );
  const summary = applied.find((line) => line.startsWith('Apply complete!')) ?? 'applied';
  return {
    changes: [`terraform (${environment}): ${summary}`, `wrote the Ansible inventory ${inventory}`],
    inventory,
  };
}

/** Runs the playbook; returns the play recap (`ok=… changed=…`) as the change list. */
export async function runAnsiblePlaybook(
  playbook: string,
  mysql: MysqlSettings,
  inventory: string,
): Promise<string[]> {
  const { port, database, accountHost, pipeline, stream, readonly } = mysql;
  const extraVars = {
    mysql_port: port,
    mysql_database: database,
    mysql_account_host: accountHost,
    petadota_users: { pipeline: pipeline.user, stream: stream.user, readonly: readonly.user },
  };
  const lines = await runCommand(
    'ansible-playbook',
    ['-i', inventory, playbook, '--extra-vars', JSON.stringify(extraVars)],
    {
      env: {
        ...process.env,
        ANSIBLE_NOCOLOR: '1',
        // Passwords travel in the environment, never on the command line.
        MYSQL_PIPELINE_PASSWORD: pipeline.password,
        MYSQL_STREAM_PASSWORD: stream.password,
        MYSQL_READONLY_PASSWORD: readonly.password,
      },
    },
  );
  const recap = lines.slice(lines.findIndex((line) => line.startsWith('PLAY RECAP')) + 1);
  return recap
    .filter((line) => /\bok=\d+/.test(line))
    .map((line) => `ansible ${line.replace(/\s+/g, ' ').trim()}`);
}
