// Where the simulator sends its clicks: straight to Kafka (an idempotent producer, acks from all
// in-sync replicas), or through the site's collector (POST /v1/clicks), so that the running
// platform exercises the site's path end to end. Both resolve only once the clicks are durable.
import { setTimeout as delay } from 'node:timers/promises';
import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import type { InteractionEvent } from '../../contracts/trends';

export interface ClickSender {
  /** Most clicks one `send` takes. */
  readonly batchSize: number;
  open(): Promise<void>;
  send(events: InteractionEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Kafka's default partition of a key, as kafkajs's DefaultPartitioner and the Java client compute
 * it (murmur2, positive, modulo the partition count), in 32-bit integer arithmetic: kafkajs's own
 * murmur2 goes through 64-bit Long objects and cost more than generating the click.
 */
export function keyPartition(key: Buffer, partitions: number): number {
  const m = 0x5bd1e995;
  const length = key.length;
  let h = 0x9747b28c ^ length;
  const tail = length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    h = Math.imul(h, m) ^ Math.imul(k, m);
  }
  // The last one to three bytes.
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= key[tail + 2]! << 16;
    if (rest >= 2) h ^= key[tail + 1]! << 8;
    h ^= key[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return (h & 0x7fffffff) % partitions;
}

const REQUEST_RECORDS = 1000;

/**
 * One idempotent producer (acks from all in-sync replicas) sending each batch in requests of at
 * most REQUEST_RECORDS records, one after another: kafkajs groups a request's records per
 * partition in quadratic time, which made 10,000-record requests cost a fifth more CPU per click.
 * Several producers, each owning some partitions, were measured too: no gain, as encoding the
 * records (CPU in this process) is the bound, not the broker's answer.
 */
export function kafkaSender(kafka: Kafka, topic: string): ClickSender {
  let producer: Producer | undefined;
  let partitions = 0;
  return {
    // About 1.5 MB of JSON.
    batchSize: 10_000,
    async open() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
        partitions = metadata!.partitions.length;
      } finally {
        await admin.disconnect();
      }
      producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
    },
    async send(events) {
      const messages = events.map((event): Message => {
        // Keyed by the event id, on the partition the default partitioner would pick for it.
        const key = Buffer.from(event.event_id);
        return { key, value: JSON.stringify(event), partition: keyPartition(key, partitions) };
      });
      for (let start = 0; start < messages.length; start += REQUEST_RECORDS) {
        const request = messages.slice(start, start + REQUEST_RECORDS);
        await producer!.send({ topic, acks: -1, messages: request });
      }
    },
    async close() {
      await producer?.disconnect();
    },
  };
}

/** The collector refused a batch of the simulator's own clicks: a bug, not a service down. */
export class CollectorRefused extends Error {
  override readonly name = 'CollectorRefused';
}

/** A batch given up on before the collector took it, because the run was stopped: nothing sent. */
export class SendAbandoned extends Error {
  override readonly name = 'SendAbandoned';
}

/** How long one POST may take before it is tried again (the same events: counted once). */
const COLLECTOR_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The site's collector, in NDJSON batches. A 503 (Kafka down) is retried after its Retry-After
 * with the same events, event ids included, which the stream counts once; a network error too.
 * `stop` never cuts a request short (the collector may have taken its clicks: the run must know);
 * it ends the retries, with SendAbandoned.
 */
export function collectorSender(collectorUrl: string, stop: AbortSignal, batchSize = 1000): ClickSender {
  const url = `${collectorUrl}/v1/clicks`;
  return {
    // By default well under the collector's limits (10,000 events, 1 MiB): about 170 KB of NDJSON.
    batchSize,
    async open() {},
    async send(events) {
      const body = events.map((event) => JSON.stringify(event)).join('\n');
      for (;;) {
        let wait = 1000;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-ndjson' },
            body,
            signal: AbortSignal.timeout(COLLECTOR_REQUEST_TIMEOUT_MS),
          });
          if (response.status === 202) return;
          const answer = await response.text();
          if (response.status !== 503) {
            throw new CollectorRefused(
              `the collector at ${url} answered ${response.status}: ${answer.slice(0, 500)}`,
            );
          }
          wait = Number(response.headers.get('retry-after') ?? 1) * 1000;
        } catch (error) {
          if (error instanceof CollectorRefused) throw error;
        }
        // Ended early by the stop (the rejection is the abort).
        await delay(wait, undefined, { signal: stop }).catch(() => undefined);
        if (stop.aborted)
          throw new SendAbandoned(
            `stopped while the collector at ${url} could not take ${events.length} clicks`,
          );
      }
    },
    async close() {},
  };
}
