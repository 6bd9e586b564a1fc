// The click maker's thread (./click-maker): makes, checks against the contract and encodes the
// simulator's clicks, a batch per request, off the thread that hands them to Kafka.
import { parentPort, workerData } from 'node:worker_threads';
import { type ClickBatch, encodeClicks } from './click-batches';
import { ClickGenerator, type ClickGeneratorOptions } from './clicks';
import { checkInteractionEvent } from './events';

export interface ClickMakerData {
  generator: ClickGeneratorOptions;
  /** Clicks of the sequence already sent (a retry's resume point): made again and dropped. */
  skip: number;
}

/** How many clicks to make now; their event time is the moment they are made. */
export interface MakeRequest {
  count: number;
}

export type MakeReply = { kind: 'made'; batch: ClickBatch } | { kind: 'failed'; message: string };

if (parentPort) {
  const port = parentPort;
  const { generator: options, skip } = workerData as ClickMakerData;
  const generator = new ClickGenerator(options);
  const started = new Date();
  for (let i = 0; i < skip; i++) generator.next(started);
  port.on('message', ({ count }: MakeRequest) => {
    let reply: MakeReply;
    try {
      const at = new Date();
      const batch = encodeClicks(
        Array.from({ length: count }, () => checkInteractionEvent(generator.next(at))),
      );
      reply = { kind: 'made', batch };
    } catch (error) {
      reply = { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(
      reply,
      reply.kind === 'made'
        ? [reply.batch.payload.buffer as ArrayBuffer, reply.batch.bounds.buffer as ArrayBuffer]
        : [],
    );
  });
}
