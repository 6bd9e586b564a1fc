// What the image benchmarks stand on: an isolated platform (namespace, database, accounts, bucket)
// with the platform's workers in this process, or in worker processes of their own as the stack
// runs them with WORKERS=N, and the local pet API serving ~100 KB JPEGs from its own process
// (`bin/petadota pet-api`): the real APIs are not the worker's CPU either.
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type PlatformConfig } from '../platform/config';
import { connectTemporalClient } from '../platform/clients';
import { startWorkers } from '../workers/worker';
import { isolatedEnv, provisionIsolatedPlatform, removeIsolatedPlatform } from '../test/kit/isolated';
import { createNamespace, deleteNamespace } from '../test/kit/namespace';
import { startWorkerProcess, stopWorkerProcess } from '../test/kit/worker-process';
import { startCliServer } from './cli-server';

export interface ImagePlatform {
  /** The environment of the platform, for child processes (Airflow). */
  env: Record<string, string>;
  config: PlatformConfig;
  client: Client;
  /** The local pet API's process: its CPU is not the platform's. */
  petApiPid: number;
  /** The worker processes, none when the workers run in this process. */
  workerPids: number[];
  /** Stops the workers and the pet API and removes everything the platform created. */
  remove(): Promise<void>;
}

/** `workerProcesses`: 0 runs the workers in this process; N, in N processes of their own. */
export async function startImagePlatform(label: string, workerProcesses = 0): Promise<ImagePlatform> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const petApi = await startCliServer('pet-api', '/api/breeds/image/random/1', {
    args: ['--image-size', '400'],
  });
  const namespace = `bench-${label}-${Date.now().toString(36)}`;
  const env = isolatedEnv({
    TEMPORAL_NAMESPACE: namespace,
    DOG_API_URL: `${petApi.origin}/api`,
    CAT_API_URL: `${petApi.origin}/v1`,
  });
  const config = loadConfig(env);
  console.log(`${label} benchmark: namespace ${namespace}, database ${config.mysql.database}`);
  await createNamespace(config, namespace);
  await provisionIsolatedPlatform(config, { bucket: true });
  const client = await connectTemporalClient(config.temporal);
  const inProcess = workerProcesses === 0 ? await startWorkers(config) : undefined;
  const processes: ChildProcess[] = [];
  for (let i = 0; i < workerProcesses; i++) processes.push(await startWorkerProcess(client, env));
  return {
    env,
    config,
    client,
    petApiPid: petApi.process.pid!,
    workerPids: processes.map((worker) => worker.pid!),
    async remove() {
      await client.connection.close();
      inProcess?.shutdown();
      await inProcess?.done;
      for (const worker of processes) await stopWorkerProcess(worker);
      await removeIsolatedPlatform(config);
      await deleteNamespace(config, namespace);
      petApi.process.kill('SIGINT');
    },
  };
}
