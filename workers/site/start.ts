// The site as a process: its clients built from the platform's configuration, then Fastify
// listening on loopback. Kafka and Temporal may come up after it: the collector connects on its
// first click (and answers 503 until Kafka is there), the dashboard asks Temporal on each snapshot.
import { Client, Connection } from '@temporalio/client';
import {
  createKafka,
  createMysqlPool,
  createS3Client,
  temporalConnectionOptions,
} from '../../platform/clients';
import type { PlatformConfig } from '../../platform/config';
import { KafkaClickSink } from './click-sink';
import { buildSite } from './server';

export interface RunningSite {
  url: string;
  close(): Promise<void>;
}

export async function startSite(
  config: PlatformConfig,
  options: { port?: number; host?: string; logger?: boolean } = {},
): Promise<RunningSite> {
  const readonlyDb = createMysqlPool(config.mysql, config.mysql.readonly);
  const s3 = createS3Client(config.s3, 'readonly');
  const clicks = new KafkaClickSink(
    createKafka(config.kafka, `${config.kafka.clientId}-site`),
    config.kafka.interactionsTopic,
    config.site.kafkaTimeoutMs,
  );
  const connection = Connection.lazy(temporalConnectionOptions(config.temporal));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const app = await buildSite({
    readonlyDb,
    s3,
    bucket: config.s3.bucket,
    clicks,
    temporal: { client, uiUrl: config.temporal.uiUrl, namespace: config.temporal.namespace },
    maxBodyBytes: config.site.maxBodyBytes,
    maxEventsPerRequest: config.site.maxEventsPerRequest,
    staleAfterSeconds: config.site.staleAfterSeconds,
    refreshMs: config.site.refreshMs,
    ...(options.logger !== undefined && { logger: options.logger }),
  });
  const url = await app.listen({ port: options.port ?? config.site.port, host: options.host ?? '127.0.0.1' });
  return {
    url,
    async close() {
      await app.close();
      await clicks.close();
      await readonlyDb.end();
      s3.destroy();
      await connection.close();
    },
  };
}
