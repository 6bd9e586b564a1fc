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

  async send(events: InteractionEvent[]): Promise<void> {
    if (events.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ClickSinkUnavailable(`Kafka did not acknowledge within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    const sending = (async () => {
      const producer = await this.connected();
      await producer.send({
        topic: this.topic,
        acks: -1,
        messages: events.map((event) => ({ key: event.event_id, value: JSON.stringify(event) })),
      });
    })();
    sending.catch(() => undefined);
    try {
      await Promise.race([sending, deadline]);
    } catch (error) {
      if (error instanceof ClickSinkUnavailable) throw error;
      // A producer that failed may hold a dead connection: the next request connects anew.
      await this.reset();
      throw new ClickSinkUnavailable(`Kafka is unreachable: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
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
