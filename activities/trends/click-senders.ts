// Where the simulator sends its clicks: straight to Kafka (an idempotent producer, acks from all
// in-sync replicas), or through the site's collector (POST /v1/clicks), so that the running
// platform exercises the site's path end to end. Both resolve only once the clicks are durable.
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { InteractionEvent } from '../../contracts/trends';

export interface ClickSender {
  /** Most clicks one `send` takes. */
  readonly batchSize: number;
  open(): Promise<void>;
  send(events: InteractionEvent[]): Promise<void>;
  close(): Promise<void>;
}

export function kafkaSender(kafka: Kafka, topic: string): ClickSender {
  let producer: Producer | undefined;
  return {
    // About 1.5 MB of JSON.
    batchSize: 10_000,
    async open() {
      producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Murmur2 on the key (the event id), as the Java client does.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
    },
    async send(events) {
      await producer!.send({
        topic,
        acks: -1,
        messages: events.map((event) => ({ key: event.event_id, value: JSON.stringify(event) })),
      });
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

/**
 * The site's collector, in NDJSON batches. A 503 (Kafka down) is retried after its Retry-After
 * with the same events, event ids included, which the stream counts once; a network error too.
 */
export function collectorSender(collectorUrl: string, signal: AbortSignal, batchSize = 1000): ClickSender {
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
            signal,
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
          if (error instanceof CollectorRefused || signal.aborted) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    },
    async close() {},
  };
}
