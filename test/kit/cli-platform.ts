// A whole platform for tests of the operators' commands: its own Temporal namespace (so the
// fixed IDs images-loop and trends-loop never meet a running platform's), an isolated database,
// bucket and topics, the platform's real worker, and runners for bin/petadota, tctl and the
// temporal CLI pointed at all of it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { loadConfig, type PlatformConfig } from '../../platform/config';
import { connectTemporalClient } from '../../platform/clients';
import { type RunningWorkers, startWorkers } from '../../workers/worker';
import { isolatedEnv, removeIsolatedPlatform } from './isolated';
import { createNamespace, deleteNamespace } from './namespace';
import { quietTemporalLogs, uniqueName } from './platform';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliPlatform {
  namespace: string;
  /** The environment the commands run with: the isolated platform's settings. */
  env: Record<string, string>;
  config: PlatformConfig;
  client: Client;
  petadota(...args: string[]): Promise<CommandResult>;
  tctl(...args: string[]): Promise<CommandResult>;
  temporal(...args: string[]): Promise<CommandResult>;
  stop(): Promise<void>;
}

export async function startCliPlatform(overrides: Record<string, string> = {}): Promise<CliPlatform> {
  quietTemporalLogs();
  const namespace = uniqueName('it-cli');
  const env = isolatedEnv({ TEMPORAL_NAMESPACE: namespace, ...overrides });
  const config = loadConfig(env);
  await createNamespace(config, namespace);
  const client = await connectTemporalClient(config.temporal);
  const workers: RunningWorkers = await startWorkers(config, env);

  const run = async (file: string, args: string[]): Promise<CommandResult> => {
    try {
      const { stdout, stderr } = await promisify(execFile)(file, args, { env, timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };
  const { address } = config.temporal;
  const platform: CliPlatform = {
    namespace,
    env,
    config,
    client,
    petadota: (...args) => run('bin/petadota', args),
    tctl: (...args) => run(config.tools.tctlPath, ['--address', address, '--namespace', namespace, ...args]),
    temporal: (...args) =>
      run(config.tools.temporalCliPath, [...args, '--address', address, '--namespace', namespace]),
    async stop() {
      workers.shutdown();
      await workers.done;
      await client.connection.close();
      await removeIsolatedPlatform(config);
      await deleteNamespace(config, namespace);
    },
  };
  const provisioned = await platform.petadota('provision', '--environment', 'it-cli');
  if (provisioned.code !== 0)
    throw new Error(`provisioning failed:\n${provisioned.stdout}${provisioned.stderr}`);
  return platform;
}
