// Batches of clicks encoded once, where they are made: each click's JSON (a Kafka record's value,
// a line of the collector's NDJSON) and its event_id (the record's key) in one buffer, with the
// batch's clicks per breed. One buffer, so that a batch made on the click maker's thread
// (./click-maker) reaches the senders without a copy.
import type { InteractionEvent } from '../../contracts/trends';

export interface ClickBatch {
  /** Click i's JSON is `payload[bounds[2i], bounds[2i+1])`, its event_id `payload[bounds[2i+1], bounds[2i+2])`. */
  payload: Uint8Array;
  bounds: Uint32Array;
  /** Clicks per `tipo/raca`. */
  perAnimal: Record<string, number>;
}

export function clickCount(batch: ClickBatch): number {
  return (batch.bounds.length - 1) / 2;
}

/** Click i's JSON, a view of the batch's buffer. */
export function clickJson(batch: ClickBatch, i: number): Buffer {
  return view(batch, 2 * i);
}

/** Click i's event_id, a view of the batch's buffer. */
export function clickKey(batch: ClickBatch, i: number): Buffer {
  return view(batch, 2 * i + 1);
}

/** The bytes from `bounds[at]` to `bounds[at + 1]`. */
function view({ payload, bounds }: ClickBatch, at: number): Buffer {
  return Buffer.from(payload.buffer, payload.byteOffset + bounds[at]!, bounds[at + 1]! - bounds[at]!);
}

/** `events` as a batch, in a buffer of its own (so that it can be transferred to another thread). */
export function encodeClicks(events: readonly InteractionEvent[]): ClickBatch {
  const values = events.map((event) => JSON.stringify(event));
  let size = 0;
  for (let i = 0; i < events.length; i++)
    size += Buffer.byteLength(values[i]!) + Buffer.byteLength(events[i]!.event_id);
  const payload = Buffer.allocUnsafeSlow(size);
  const bounds = new Uint32Array(2 * events.length + 1);
  const perAnimal: Record<string, number> = {};
  let at = 0;
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    bounds[2 * i] = at;
    at += payload.write(values[i]!, at);
    bounds[2 * i + 1] = at;
    at += payload.write(event.event_id, at);
    const key = `${event.tipo}/${event.raca}`;
    perAnimal[key] = (perAnimal[key] ?? 0) + 1;
  }
  bounds[2 * events.length] = at;
  return { payload, bounds, perAnimal };
}
