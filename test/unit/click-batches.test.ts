import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ClickBatch,
  clickCount,
  clickJson,
  clickKey,
  encodeClicks,
} from '../../activities/trends/click-batches';
import { ClickMaker } from '../../activities/trends/click-maker';
import { BUILT_IN_ANIMALS, ClickGenerator } from '../../activities/trends/clicks';
import type { InteractionEvent } from '../../contracts/trends';

const AT = new Date('2026-12-07T10:00:00.000Z');
const GENERATOR = { seed: 11, users: 40, animals: BUILT_IN_ANIMALS, shiftEvery: 25 };

/** The batch's clicks as the senders see them: each JSON parsed, and its key. */
function decode(batch: ClickBatch): { event: InteractionEvent; key: string }[] {
  return Array.from({ length: clickCount(batch) }, (_, i) => ({
    event: JSON.parse(clickJson(batch, i).toString('utf8')) as InteractionEvent,
    key: clickKey(batch, i).toString('utf8'),
  }));
}

/** Event ids and breeds only: the maker stamps its clicks with the time it makes them. */
const identities = (events: InteractionEvent[]): string[] =>
  events.map(
    (event) => `${event.event_id} ${event.usuario_id} ${event.tipo}/${event.raca} ${event.animal_id}`,
  );

test('a batch holds each click as its JSON and its event_id as the key, with the clicks per breed', () => {
  const generator = new ClickGenerator(GENERATOR);
  const events = Array.from({ length: 300 }, () => generator.next(AT));
  // Multi-byte characters: the bounds are bytes, not UTF-16 units.
  events[7] = { ...events[7]!, event_id: 'ção-ü-€-🐕' };
  const batch = encodeClicks(events);
  assert.equal(clickCount(batch), 300);
  assert.deepEqual(
    decode(batch),
    events.map((event) => ({ event, key: event.event_id })),
  );
  const perAnimal: Record<string, number> = {};
  for (const { tipo, raca } of events) perAnimal[`${tipo}/${raca}`] = (perAnimal[`${tipo}/${raca}`] ?? 0) + 1;
  assert.deepEqual(batch.perAnimal, perAnimal);
  assert.equal(clickCount(encodeClicks([])), 0);
});

test("the click maker's thread makes the generator's sequence, batch after batch, and a resume skips what was sent", async () => {
  const generator = new ClickGenerator(GENERATOR);
  const expected = Array.from({ length: 1000 }, () => generator.next(AT));
  const maker = new ClickMaker(GENERATOR, 0);
  const resumed = new ClickMaker(GENERATOR, 400);
  try {
    const made = [
      ...decode(await maker.make(250)),
      ...decode(await maker.make(0)),
      ...decode(await maker.make(750)),
    ];
    assert.deepEqual(identities(made.map(({ event }) => event)), identities(expected));
    assert.ok(made.every(({ event, key }) => key === event.event_id));
    const after = decode(await resumed.make(600)).map(({ event }) => event);
    assert.deepEqual(identities(after), identities(expected.slice(400)));
  } finally {
    await maker.stop();
    await resumed.stop();
  }
});

test('the click maker takes one request at a time, answers a request cut short by stop with no clicks, and refuses a bad plan at once', async () => {
  const maker = new ClickMaker(GENERATOR, 0);
  const first = maker.make(5000);
  await assert.rejects(maker.make(10), /one request at a time/);
  assert.equal(clickCount(await first), 5000);
  const cut = maker.make(200_000);
  await maker.stop();
  assert.equal(clickCount(await cut), 0);
  assert.throws(() => new ClickMaker({ ...GENERATOR, animals: [] }, 0), /no animals to click/);
  assert.throws(() => new ClickMaker({ ...GENERATOR, users: 0 }, 0), /users must be ≥ 1/);
});
