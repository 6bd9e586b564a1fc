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

/** A click not acknowledged within this fails its batch: the broker is down, not slow. */
const MESSAGE_TIMEOUT_MS = 30_000;
/** Past the clicks' own timeout: by then each has been acknowledged or has failed. */
const FLUSH_TIMEOUT_MS = MESSAGE_TIMEOUT_MS + 5_000;

/**
 * One idempotent librdkafka producer (Confluent's client; acks from all in-sync replicas): a
 * batch is handed to librdkafka's queue, which encodes and sends it on its own threads, and `send`
 * resolves once librdkafka has flushed the batch (every click acknowledged by the broker, or
 * failed), or rejects with the first failure. Only failures are reported: a report for each
 * click the broker took cost the event loop an object, a copy of its key and a call into
 * JavaScript (spark-jobs/README.md has the figures). kafkajs encoded every record on the event
 * loop: 66,489 and 70,241 clicks/s against 119,190 and 118,017 with this one
 * (bench/trends-stream.ts --simulator-only, 2026-12-06). Keys go to
 * the partition the Java client's default partitioner picks (murmur2), as the collector's kafkajs
 * producer does. It runs on the main thread: the binding dispatches its delivery reports there and
 * cannot run on a worker thread, so the clicks are made elsewhere (./click-maker).
 */
export function kafkaSender(kafka: KafkaConfig): ClickSender {
  const topic = kafka.interactionsTopic;
  let producer: Producer | undefined;
  /** The first failure reported for the batch on its way (one at a time), if any. */
  let failure: { message: string } | undefined;
  let sending = false;
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
        'message.timeout.ms': MESSAGE_TIMEOUT_MS,
        // A report only for a click that failed; flush() waits for the rest to be acknowledged.
        dr_cb: true,
        'delivery.report.only.error': true,
      });
      opened.on('delivery-report', (error) => {
        failure ??= error ?? { message: 'a click failed without a reason' };
      });
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
    async send(batch) {
      const count = clickCount(batch);
      if (count === 0) return;
      if (sending) throw new Error('a batch of clicks is still on its way: one at a time');
      sending = true;
      failure = undefined;
      try {
        try {
          // Views of the batch's buffer: librdkafka copies value and key.
          for (let i = 0; i < count; i++)
            producer!.produce(topic, null, clickJson(batch, i), clickKey(batch, i));
        } catch (error) {
          // librdkafka refused a click (its queue is full, say): those handed over are flushed.
          failure ??= error instanceof Error ? error : { message: String(error) };
        }
        await flush(producer!, FLUSH_TIMEOUT_MS);
        // A failure's report is queued before flush() returns, but the binding may hand it to
        // JavaScript right after flush()'s callback, in the same turn of the event loop.
        await new Promise((resolve) => setImmediate(resolve));
        if (failure) throw new Error(`Kafka did not take a batch of clicks: ${failure.message}`);
      } finally {
        sending = false;
      }
    },
    async close() {
      if (producer) await disconnect(producer);
    },
  };
}

/** Resolves once every click handed to librdkafka is acknowledged or has failed. */
function flush(producer: Producer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) =>
    producer.flush(timeoutMs, (error) =>
      error ? reject(new Error(`Kafka did not take a batch of clicks in time: ${error.message}`)) : resolve(),
    ),
  );
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
