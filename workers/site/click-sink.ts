// Where the collector's clicks go: the interactions topic, through an idempotent producer with
// acknowledgements from every in-sync replica. `send` resolves only once Kafka has acknowledged
// every event; when Kafka cannot be reached in time it fails with ClickSinkUnavailable, and the
// collector acknowledges nothing.
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { InteractionEvent } from '../../contracts/trends';

export class ClickSinkUnavailable extends Error {
  override readonly name = 'ClickSinkUnavailable';
}

export interface ClickSink {
  send(events: InteractionEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Events one producer send carries at most, whole requests only (one request may carry more): a
 * partition's share stays well under the broker's message size limit (1 MB).
 */
const MAX_EVENTS_PER_SEND = 5000;

export class KafkaClickSink implements ClickSink {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly timeoutMs: number,
  ) {}

  /** One producer, connected on first use and again after a failure (Kafka may start later). */
  private connected(): Promise<Producer> {
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Murmur2 on the key (the event id), as the Java client and the simulator do.
        createPartitioner: Partitioners.DefaultPartitioner,
        // Retries end within the collector's own deadline, and a producer that failed is replaced
        // (a new producer id): what makes a client's retry count once is its event ids, which the
        // stream de-duplicates, not one producer session's sequence numbers. Without the bound,
        // kafkajs would go on retrying for half a minute after the collector answered 503.
        retry: {
          retries: 3,
          initialRetryTime: 100,
          maxRetryTime: Math.max(200, Math.floor(this.timeoutMs / 3)),
        },
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })();
    return this.connecting.catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
  }

  /** Events of requests waiting for the send in flight: they go out together in the next one. */
  private waiting: Array<{ events: InteractionEvent[]; done: (error?: Error) => void }> = [];
  private flushing = false;

  async send(events: InteractionEvent[]): Promise<void> {
    if (events.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ClickSinkUnavailable(`Kafka did not acknowledge within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    const sent = new Promise<void>((resolve, reject) => {
      this.waiting.push({
        events,
        done: (error) => (error === undefined ? resolve() : reject(error)),
      });
    });
    sent.catch(() => undefined);
    void this.flush();
    try {
      await Promise.race([sent, deadline]);
    } catch (error) {
      // Past the deadline the events may still be sent: the client retries with the same event
      // ids, which the stream counts once.
      if (error instanceof ClickSinkUnavailable) throw error;
      throw new ClickSinkUnavailable(`Kafka is unreachable: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One producer send at a time, each carrying every event waiting when it starts: concurrent
   * requests share a round trip to the brokers (a group commit), and each still waits for the
   * acknowledgement of its own events.
   */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        let events = 0;
        let requests = 0;
        while (
          requests < this.waiting.length &&
          (requests === 0 || events + this.waiting[requests]!.events.length <= MAX_EVENTS_PER_SEND)
        ) {
          events += this.waiting[requests]!.events.length;
          requests += 1;
        }
        const batch = this.waiting.splice(0, requests);
        try {
          const producer = await this.connected();
          await producer.send({
            topic: this.topic,
            acks: -1,
            messages: batch.flatMap(({ events }) =>
              events.map((event) => ({ key: event.event_id, value: JSON.stringify(event) })),
            ),
          });
          for (const request of batch) request.done();
        } catch (error) {
          // A producer that failed may hold a dead connection: the next send gets a new one.
          await this.reset();
          for (const request of batch)
            request.done(error instanceof Error ? error : new Error(String(error)));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.reset();
  }
}
