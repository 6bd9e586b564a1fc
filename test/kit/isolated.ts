// A platform configuration of its own for one test file: its database, accounts, bucket and
// topics have unique names, so provisioning tests start from empty services and never touch
// the platform's real data. `provisionIsolatedPlatform` creates them as provisioning would;
// `removeIsolatedPlatform` drops everything either may have created.
import { randomBytes } from 'node:crypto';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createProvisioningActivities } from '../../activities/provisioning';
import { type PlatformConfig, loadConfig, resolveEnv } from '../../platform/config';
import { connectMysql, createKafka, createS3Client } from '../../platform/clients';
import { provisioningSettings } from '../../workers/worker/activity-settings';
import { testEnv } from './platform';

/** The environment of an isolated platform: what a child process (the CLI, a worker) gets. */
export function isolatedEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const id = randomBytes(4).toString('hex');
  const password = (): string => randomBytes(16).toString('hex');
  return resolveEnv({
    ...testEnv(),
    MYSQL_DATABASE: `it_${id}`,
    MYSQL_PIPELINE_USER: `it_${id}_pipeline`,
    MYSQL_STREAM_USER: `it_${id}_stream`,
    MYSQL_READONLY_USER: `it_${id}_leitura`,
    MYSQL_PIPELINE_PASSWORD: password(),
    MYSQL_STREAM_PASSWORD: password(),
    MYSQL_READONLY_PASSWORD: password(),
    S3_BUCKET: `it-${id}-imagens`,
    S3_ARCHIVE_BUCKET: `it-${id}-arquivo`,
    KAFKA_INTERACTIONS_TOPIC: `it-${id}-interacoes`,
    KAFKA_DEAD_LETTER_TOPIC: `it-${id}-interacoes-dlq`,
    ...overrides,
  }) as Record<string, string>;
}

export function isolatedConfig(overrides: Record<string, string> = {}): PlatformConfig {
  return loadConfig(isolatedEnv(overrides));
}

/**
 * What provisioning would create for an isolated platform: always the schema and the accounts;
 * the bucket and the topics when asked for.
 */
export async function provisionIsolatedPlatform(
  config: PlatformConfig,
  also: { bucket?: boolean; topics?: boolean } = {},
): Promise<void> {
  const provisioning = createProvisioningActivities({
    ...provisioningSettings(config),
    kafka: createKafka(config.kafka),
  });
  if (also.bucket) await provisioning.ensureBucket();
  await provisioning.applySchema();
  await provisioning.ensureAccounts();
  if (also.topics) await provisioning.ensureTopics();
}

export async function removeIsolatedPlatform(config: PlatformConfig): Promise<void> {
  const { database, accountHost, pipeline, stream, readonly } = config.mysql;
  const admin = await connectMysql(config.mysql, config.mysql.admin);
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    for (const account of [pipeline, stream, readonly]) {
      await admin.query('DROP USER IF EXISTS ?@?', [account.user, accountHost]);
    }
  } finally {
    await admin.end();
  }

  const s3 = createS3Client(config.s3, 'admin');
  try {
    for (const bucket of [config.s3.bucket, config.s3.archiveBucket]) {
      try {
        // A page lists at most 1,000 keys, and DeleteObjects takes at most 1,000.
        for (;;) {
          const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
          const objects = (listed.Contents ?? []).map(({ Key }) => ({ Key }));
          if (objects.length === 0) break;
          await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
        }
        await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      } catch (error) {
        if ((error as Error).name !== 'NoSuchBucket') throw error;
      }
    }
  } finally {
    s3.destroy();
  }

  const kafka = createKafka(config.kafka).admin();
  await kafka.connect();
  try {
    const topics = [config.kafka.interactionsTopic, config.kafka.deadLetterTopic];
    const existing = new Set(await kafka.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await kafka.deleteTopics({ topics: present });
  } finally {
    await kafka.disconnect();
  }
}
