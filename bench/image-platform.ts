// What the image benchmarks stand on: an isolated platform (namespace, database, accounts, bucket)
// with the platform's workers in this process and the local pet API serving ~100 KB JPEGs from its
// own, as the stack runs it (`bin/petadota pet-api`): the real APIs are not the worker's CPU either.
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type PlatformConfig } from '../platform/config';
import { connectTemporalClient } from '../platform/clients';
import { startWorkers } from '../workers/worker';
import { isolatedEnv, provisionIsolatedPlatform, removeIsolatedPlatform } from '../test/kit/isolated';
import { createNamespace, deleteNamespace } from '../test/kit/namespace';
import { startCliServer } from './cli-server';

export interface ImagePlatform {
  /** The environment of the platform, for child processes (Airflow). */
  env: Record<string, string>;
  config: PlatformConfig;
  client: Client;
  /** The local pet API's process: its CPU is not the platform's. */
  petApiPid: number;
  /** Stops the workers and the pet API and removes everything the platform created. */
  remove(): Promise<void>;
}

export async function startImagePlatform(label: string): Promise<ImagePlatform> {
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
  const workers = await startWorkers(config);
  const client = await connectTemporalClient(config.temporal);
  return {
    env,
    config,
    client,
    petApiPid: petApi.process.pid!,
    async remove() {
      await client.connection.close();
      workers.shutdown();
      await workers.done;
      await removeIsolatedPlatform(config);
      await deleteNamespace(config, namespace);
      petApi.process.kill('SIGINT');
    },
  };
}
