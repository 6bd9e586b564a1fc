// What the image benchmarks stand on: an isolated platform (namespace, database, accounts, bucket)
// with the platform's workers in this process and the local pet API serving ~100 KB JPEGs from its
// own, as the stack runs it (`bin/petadota pet-api`): the real APIs are not the worker's CPU either.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type PlatformConfig } from '../platform/config';
import { connectTemporalClient } from '../platform/clients';
import { startWorkers } from '../workers/worker';
import { isolatedEnv, provisionIsolatedPlatform, removeIsolatedPlatform } from '../test/kit/isolated';
import { freePort } from '../test/kit/free-port';
import { createNamespace, deleteNamespace } from '../test/kit/namespace';

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
  const petApi = await startPetApiProcess();
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

async function startPetApiProcess(): Promise<{
  dogApiUrl: string;
  catApiUrl: string;
  process: ChildProcess;
}> {
  const port = await freePort();
  const child = spawn('bin/petadota', ['pet-api', '--port', String(port), '--image-size', '400'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const up = await fetch(`${origin}/api/breeds/image/random/1`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return { dogApiUrl: `${origin}/api`, catApiUrl: `${origin}/v1`, process: child };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`the local pet API (bin/petadota pet-api) did not answer on ${origin} within 60 s`);
}
