// The Kafka topics: the click events and their dead-letter topic, created when missing.
import { ConfigResourceTypes, type Admin, type ITopicMetadata } from 'kafkajs';
import type { ValidationCheck } from '../../contracts/provisioning';
import { invalidConfiguration } from '../failures';

export interface TopicSpec {
  topics: string[];
  partitions: number;
  replicationFactor: number;
  /** With acks=all, a write is acknowledged once this many replicas have it. */
  minInsyncReplicas: number;
}

// How long new topics may take to have a leader and enough in-sync replicas on every partition.
const LEADERS_TIMEOUT_MS = 30_000;

export async function ensureTopics(admin: Admin, spec: TopicSpec): Promise<string[]> {
  if (spec.minInsyncReplicas > spec.replicationFactor) {
    // Kafka would create them, and then refuse every acks=all write.
    throw invalidConfiguration(
      `min.insync.replicas ${spec.minInsyncReplicas} is more than the replication factor ${spec.replicationFactor} (KAFKA_MIN_INSYNC_REPLICAS, KAFKA_REPLICATION_FACTOR): no write could ever be acknowledged`,
    );
  }
  const existing = new Set(await admin.listTopics());
  const missing = spec.topics.filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({
      // kafkajs's own wait asks one broker for the new topics' metadata and fails with
      // UNKNOWN_TOPIC_OR_PARTITION when that broker has not heard of them yet (a cluster):
      // waitForReplicas below asks until every partition is ready.
      waitForLeaders: false,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: [{ name: 'min.insync.replicas', value: String(spec.minInsyncReplicas) }],
      })),
    });
  } catch (error) {
    const type = (error as { type?: string }).type ?? '';
    const nested = (error as { errors?: Array<{ type?: string }> }).errors?.map((e) => e.type) ?? [];
    if ([type, ...nested].some((t) => t === 'INVALID_REPLICATION_FACTOR' || t === 'INVALID_PARTITIONS')) {
      throw invalidConfiguration(
        `Kafka refused topics with ${spec.partitions} partitions and replication factor ${spec.replicationFactor} (KAFKA_TOPIC_PARTITIONS, KAFKA_REPLICATION_FACTOR): ${(error as Error).message}`,
        error as Error,
      );
    }
    throw error;
  }
  await waitForReplicas(admin, missing, spec.minInsyncReplicas);
  return missing.map(
    (topic) =>
      `created topic ${topic} (${spec.partitions} partitions, replication factor ${spec.replicationFactor}, min.insync.replicas ${spec.minInsyncReplicas})`,
  );
}

/** Until every partition of the topics has a leader and at least `minInsync` in-sync replicas. */
async function waitForReplicas(admin: Admin, topics: string[], minInsync: number): Promise<void> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  let waitingFor = 'metadata';
  while (Date.now() < deadline) {
    try {
      const metadata = (await admin.fetchTopicMetadata({ topics })).topics;
      const notReady = metadata.flatMap((topic) =>
        topic.partitions
          .filter((partition) => partition.leader < 0 || partition.isr.length < minInsync)
          .map((partition) => `${topic.name}[${partition.partitionId}]`),
      );
      if (metadata.length === topics.length && notReady.length === 0) return;
      waitingFor = notReady.join(', ') || 'metadata';
    } catch (error) {
      // The broker asked may not know the new topics yet; any other error is real.
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `new topics not ready after ${LEADERS_TIMEOUT_MS / 1000} s: ${waitingFor} (no leader or fewer than ${minInsync} in-sync replicas)`,
  );
}

// How long a topic one broker does not list yet is asked for again (see listedTopics).
const METADATA_LAG_MS = 10_000;

/**
 * The metadata of those of `wanted` the cluster has. kafkajs asks a random broker, and a broker's
 * metadata may trail the controller's for a moment after a topic is created (a cluster, right
 * after provisioning): a topic missing from an answer is asked for again, for up to
 * METADATA_LAG_MS.
 */
async function topicMetadata(admin: Admin, wanted: string[]): Promise<ITopicMetadata[]> {
  const deadline = Date.now() + METADATA_LAG_MS;
  for (;;) {
    const listed = new Set(await admin.listTopics());
    const present = wanted.filter((topic) => listed.has(topic));
    try {
      const metadata = present.length > 0 ? (await admin.fetchTopicMetadata({ topics: present })).topics : [];
      if (present.length === wanted.length || Date.now() > deadline) return metadata;
    } catch (error) {
      // Listed by one broker, unknown to the next one asked.
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION' || Date.now() > deadline)
        throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function checkTopics(admin: Admin, spec: TopicSpec): Promise<ValidationCheck[]> {
  const metadata = await topicMetadata(admin, spec.topics);
  const present = metadata.map((topic) => topic.name);
  const byName = new Map<string, ITopicMetadata>(metadata.map((topic) => [topic.name, topic]));
  const minInsync = await minInsyncReplicas(admin, present);
  return spec.topics.map((topic): ValidationCheck => {
    const name = `topic ${topic}`;
    const found = byName.get(topic);
    if (!found) return { area: 'topics', name, ok: false, detail: 'topic is missing' };
    const partitions = found.partitions.length;
    const replicas = Math.min(...found.partitions.map((partition) => partition.replicas.length));
    const insync = minInsync.get(topic);
    const ok =
      partitions === spec.partitions &&
      replicas === spec.replicationFactor &&
      insync === spec.minInsyncReplicas;
    return {
      area: 'topics',
      name,
      ok,
      detail: `${partitions} partitions (declared ${spec.partitions}), replication factor ${replicas} (declared ${spec.replicationFactor}), min.insync.replicas ${insync ?? 'unknown'} (declared ${spec.minInsyncReplicas})`,
    };
  });
}

/** Each topic's effective min.insync.replicas (its own, else the broker's default). */
async function minInsyncReplicas(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  if (topics.length === 0) return new Map();
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: ['min.insync.replicas'],
    })),
  });
  return new Map(
    resources.map((resource) => [
      resource.resourceName,
      Number(resource.configEntries.find((entry) => entry.configName === 'min.insync.replicas')?.configValue),
    ]),
  );
}
