import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Admin, type Kafka, Partitioners } from 'kafkajs';
import { createKafka } from '../../platform/clients';
import { ensureTopics } from '../../activities/provisioning/topics';
import { config, uniqueName } from '../kit/platform';

const topic = uniqueName('smoke');
let kafka: Kafka;
let admin: Admin;

before(async () => {
  kafka = createKafka(config.kafka, 'petadota-smoke-test');
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
});

test('kafkajs produces and consumes on the KRaft broker', { timeout: 60_000 }, async () => {
  const { replicationFactor, minInsyncReplicas } = config.kafka;
  // Provisioning's own creation, which waits until every partition has its in-sync replicas (on
  // a cluster too, where kafkajs's own wait asks a broker that may not know the topic yet).
  assert.deepEqual(
    await ensureTopics(admin, { topics: [topic], partitions: 1, replicationFactor, minInsyncReplicas }),
    [
      `created topic ${topic} (1 partitions, replication factor ${replicationFactor}, min.insync.replicas ${minInsyncReplicas})`,
    ],
  );
  const sent = ['labrador', 'persa', 'poodle'].map((raca, index) => ({
    key: `usuario-${index}`,
    value: JSON.stringify({ raca }),
  }));

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: sent });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: Array<{ key: string; value: string }> = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        // eslint-disable-next-line @typescript-eslint/require-await
        eachMessage: async ({ message }) => {
          received.push({ key: String(message.key), value: String(message.value) });
          if (received.length === sent.length) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();

  assert.deepEqual(received, sent);
});
