// Where the simulator sends its clicks: straight to Kafka (an idempotent librdkafka producer, acks
// from all in-sync replicas), or through the site's collector (POST /v1/clicks), so that the running
// platform exercises the site's path end to end. Both resolve only once the clicks are durable.
import { setTimeout as delay } from 'node:timers/promises';
import { type Metadata, Producer } from '@confluentinc/kafka-javascript';
import { type ClickBatch, clickCount, clickJson, clickKey } from './click-batches';
import { type KafkaConfig, librdkafkaOptions } from '../../platform/clients';

export interface ClickSender {
  /** Most clicks one `send` takes. */
  readonly batchSize: number;
  open(): Promise<void>;
  send(batch: ClickBatch): Promise<void>;
  close(): Promise<void>;
}

/** One `send`'s clicks still awaiting their delivery reports. */
interface PendingBatch {
  unconfirmed: number;
  failure?: { message: string };
  settle(failure?: { message: string }): void;
}

/**
 * One idempotent librdkafka producer (Confluent's client; acks from all in-sync replicas): a
 * batch is handed to librdkafka's queue, which encodes and sends it on its own threads, and `send`
 * resolves once every click of the batch has its delivery report, or rejects with the first
 * failure. kafkajs encoded every record on the event loop: 66,489 and 70,241 clicks/s against
 * 119,190 and 118,017 with this one (bench/trends-stream.ts --simulator-only, 2026-12-06); untagged
 * reports collected on librdkafka's thread add about a seventh (spark-jobs/README.md). Keys go to
 * the partition the Java client's default partitioner picks (murmur2), as the collector's kafkajs
 * producer does. It runs on the main thread: the binding dispatches its delivery reports there and
 * cannot run on a worker thread, so the clicks are made elsewhere (./click-maker).
 */
export function kafkaSender(kafka: KafkaConfig): ClickSender {
  const topic = kafka.interactionsTopic;
  let producer: Producer | undefined;
  // One batch at a time, so a delivery report needs no tag naming its batch: each would cost
  // a persistent handle in librdkafka's binding, made at produce and released at the report.
  let pending: PendingBatch | undefined;
  /** `count` clicks of the pending batch are done with; the last of them settles it. */
  const reported = (count: number, failure?: { message: string }): void => {
    const batch = pending!;
    if (failure) batch.failure ??= failure;
    batch.unconfirmed -= count;
    if (batch.unconfirmed === 0) {
      pending = undefined;
      batch.settle(batch.failure);
    }
  };
  return {
    // About 5 MB of JSON; larger batches keep librdkafka's threads busy while the next one is made.
    batchSize: 30_000,
    async open() {
      const opened = new Producer({
        ...librdkafkaOptions(kafka),
        'client.id': kafka.clientId,
        'enable.idempotence': true,
        acks: -1,
        partitioner: 'murmur2_random',
        'linger.ms': 20,
        // A click not acknowledged within this fails its batch: the broker is down, not slow.
        'message.timeout.ms': 30_000,
        dr_cb: true,
      });
      opened.on('delivery-report', (error) => reported(1, error ?? undefined));
      const metadata = await new Promise<Metadata>((resolve, reject) => {
        opened.connect({ topic, timeout: 10_000 }, (error, answer) =>
          error
            ? reject(new Error(`could not reach Kafka at ${kafka.brokers.join(',')}: ${error.message}`))
            : resolve(answer),
        );
      });
      if (!metadata.topics.some(({ name, partitions }) => name === topic && partitions.length > 0)) {
        await disconnect(opened);
        throw new Error(`Kafka has no topic ${topic}: provision the platform first`);
      }
      // Delivery reports are collected on librdkafka's thread, not by polling on the event loop.
      opened.setPollInBackground(true);
      producer = opened;
    },
    send(batch) {
      const count = clickCount(batch);
      if (count === 0) return Promise.resolve();
      if (pending) return Promise.reject(new Error('a batch of clicks is still on its way: one at a time'));
      return new Promise<void>((resolve, reject) => {
        pending = {
          unconfirmed: count,
          settle: (failure) =>
            failure
              ? reject(new Error(`Kafka did not take a batch of clicks: ${failure.message}`))
              : resolve(),
        };
        let handed = 0;
        try {
          // Views of the batch's buffer: librdkafka copies value and key.
          for (; handed < count; handed++) {
            producer!.produce(topic, null, clickJson(batch, handed), clickKey(batch, handed));
          }
        } catch (error) {
          // librdkafka refused a click (its queue is full, say): those handed over still report.
          reported(count - handed, error instanceof Error ? error : { message: String(error) });
        }
      });
    },
    async close() {
      if (producer) await disconnect(producer);
    },
  };
}

/** Flushes what is queued (up to 30 s) and disconnects. */
function disconnect(producer: Producer): Promise<void> {
  return new Promise((resolve) => producer.disconnect(30_000, () => resolve()));
}

/** The collector refused a batch of the simulator's own clicks: a bug, not a service down. */
export class CollectorRefused extends Error {
  override readonly name = 'CollectorRefused';
}

/** A batch given up on before the collector took it, because the run was stopped: nothing sent. */
export class SendAbandoned extends Error {
  override readonly name = 'SendAbandoned';
}

const NEWLINE = Buffer.from('\n');

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
    async send(batch) {
      const count = clickCount(batch);
      const lines = Array.from({ length: count }, (_, i) => clickJson(batch, i));
      const body = Buffer.concat(lines.flatMap((line, i) => (i === 0 ? [line] : [NEWLINE, line])));
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
          throw new SendAbandoned(`stopped while the collector at ${url} could not take ${count} clicks`);
      }
    },
    async close() {},
  };
}
