// What the image benchmarks stand on: an isolated platform (namespace, database, accounts, bucket)
// with the local pet API serving ~100 KB JPEGs and the platform's workers in this process.
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type PlatformConfig } from '../platform/config';
import { connectTemporalClient } from '../platform/clients';
import { LocalPetApi } from '../workers/pet-api/server';
import { startWorkers } from '../workers/worker';
import { isolatedEnv, provisionIsolatedPlatform, removeIsolatedPlatform } from '../test/kit/isolated';
import { createNamespace, deleteNamespace } from '../test/kit/namespace';

export interface ImagePlatform {
  /** The environment of the platform, for child processes (Airflow). */
  env: Record<string, string>;
  config: PlatformConfig;
  client: Client;
  /** Stops the workers and the pet API and removes everything the platform created. */
  remove(): Promise<void>;
}

export async function startImagePlatform(label: string): Promise<ImagePlatform> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const petApi = await new LocalPetApi({ imageSize: 400 }).start();
  const namespace = `bench-${label}-${Date.now().toString(36)}`;
  const env = isolatedEnv({
    TEMPORAL_NAMESPACE: namespace,
    DOG_API_URL: petApi.dogApiUrl,
    CAT_API_URL: petApi.catApiUrl,
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
    async remove() {
      await client.connection.close();
      workers.shutdown();
      await workers.done;
      await removeIsolatedPlatform(config);
      await deleteNamespace(config, namespace);
      await petApi.stop();
    },
  };
}
