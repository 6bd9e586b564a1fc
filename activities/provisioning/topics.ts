// The Kafka topics: the click events and their dead-letter topic, created when missing.
import type { Admin, ITopicMetadata } from 'kafkajs';
import type { ValidationCheck } from '../../contracts/provisioning';
import { invalidConfiguration } from '../failures';

export interface TopicSpec {
  topics: string[];
  partitions: number;
  replicationFactor: number;
}

export async function ensureTopics(admin: Admin, spec: TopicSpec): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = spec.topics.filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
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
  return missing.map((topic) => `created topic ${topic} (${spec.partitions} partitions)`);
}

export async function checkTopics(admin: Admin, spec: TopicSpec): Promise<ValidationCheck[]> {
  const existing = new Set(await admin.listTopics());
  const present = spec.topics.filter((topic) => existing.has(topic));
  const metadata = present.length > 0 ? (await admin.fetchTopicMetadata({ topics: present })).topics : [];
  const byName = new Map<string, ITopicMetadata>(metadata.map((topic) => [topic.name, topic]));
  return spec.topics.map((topic): ValidationCheck => {
    const name = `topic ${topic}`;
    const found = byName.get(topic);
    if (!found) return { area: 'topics', name, ok: false, detail: 'topic is missing' };
    const partitions = found.partitions.length;
    const replicas = Math.min(...found.partitions.map((partition) => partition.replicas.length));
    const ok = partitions === spec.partitions && replicas === spec.replicationFactor;
    return {
      area: 'topics',
      name,
      ok,
      detail: `${partitions} partitions (declared ${spec.partitions}), replication factor ${replicas} (declared ${spec.replicationFactor})`,
    };
  });
}
