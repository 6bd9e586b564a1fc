// The platform's worker process: runs the workflows and activities on their task queues.
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { createImageActivities } from '../../activities/images';
import { createProvisioningActivities } from '../../activities/provisioning';
import { createTrendActivities } from '../../activities/trends';
import { IMAGES_TASK_QUEUE } from '../../contracts/images';
import { PROVISIONING_TASK_QUEUE } from '../../contracts/provisioning';
import { TRENDS_TASK_QUEUE } from '../../contracts/trends';
import type { PlatformConfig } from '../../platform/config';
import {
  connectWorkerConnection,
  createHttpClient,
  createKafka,
  createMysqlPool,
  createS3Client,
} from '../../platform/clients';
import { imageSettings, provisioningSettings, trendSettings } from './activity-settings';

export interface RunningWorkers {
  /** Resolves when every worker has shut down (after SIGINT/SIGTERM or `shutdown()`). */
  done: Promise<void>;
  shutdown(): void;
}

/** `env`: the environment `config` was loaded from (the Spark jobs the activities run read it). */
export async function startWorkers(
  config: PlatformConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningWorkers> {
  const connection = await connectWorkerConnection(config.temporal);
  // Bundled once, shared by every task queue's worker.
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
  const s3 = createS3Client(config.s3, 'pipeline');
  const kafka = createKafka(config.kafka);
  const pipelineDb = createMysqlPool(config.mysql, config.mysql.pipeline);
  const readonlyDb = createMysqlPool(config.mysql, config.mysql.readonly);
  const streamDb = createMysqlPool(config.mysql, config.mysql.stream);

  const workers = [
    await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: PROVISIONING_TASK_QUEUE,
      workflowBundle,
      activities: createProvisioningActivities({ ...provisioningSettings(config), kafka }),
    }),
    await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: IMAGES_TASK_QUEUE,
      workflowBundle,
      activities: createImageActivities({
        ...imageSettings(config),
        http: createHttpClient(config.pets.httpTimeoutMs),
        s3,
        db: pipelineDb,
      }),
    }),
    await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: TRENDS_TASK_QUEUE,
      workflowBundle,
      activities: createTrendActivities({ ...trendSettings(config, env), readonlyDb, streamDb }),
    }),
  ];
  const done = Promise.all(workers.map((worker) => worker.run())).then(async () => {
    s3.destroy();
    await Promise.all([pipelineDb.end(), readonlyDb.end(), streamDb.end()]);
    await connection.close();
  });
  return { done, shutdown: () => workers.forEach((worker) => worker.shutdown()) };
}
