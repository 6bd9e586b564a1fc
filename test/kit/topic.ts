// Every message of a topic, read from its start up to the ends it has now.
import type { PlatformConfig } from '../../platform/config';
import { createKafka } from '../../platform/clients';

export interface TopicMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
}

export async function readTopic(kafka: PlatformConfig['kafka'], topic: string): Promise<TopicMessage[]> {
  const client = createKafka(kafka, `${kafka.clientId}-reader`);
  const admin = client.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = ends.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  const messages: TopicMessage[] = [];
  if (total === 0) return messages;
  const consumer = client.consumer({ groupId: `reader-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: ({ partition, message }) => {
          messages.push({
            partition,
            offset: Number(message.offset),
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
          });
          if (messages.length === total) resolve();
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
