import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { BUILT_IN_ANIMALS, ClickGenerator } from '../../activities/trends/clicks';
import { checkInteractionEvent, InvalidInteractionEvent } from '../../activities/trends/events';
import { reportWindow } from '../../activities/trends/report';
import type { InteractionEvent } from '../../contracts/trends';

const AT = new Date('2026-11-22T14:03:07.125Z');

function generate(seed: number, count: number, shiftEvery = 1_000_000): InteractionEvent[] {
  const generator = new ClickGenerator({ seed, users: 100, animals: BUILT_IN_ANIMALS, shiftEvery });
  return Array.from({ length: count }, () => generator.next(AT));
}

function countBy(events: InteractionEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.raca, (counts.get(event.raca) ?? 0) + 1);
  return counts;
}

const topBreed = (events: InteractionEvent[]): string =>
  [...countBy(events)].sort(([, a], [, b]) => b - a)[0]![0];

test('the same seed gives the same clicks; another seed gives others', () => {
  assert.deepEqual(generate(42, 500), generate(42, 500));
  assert.notDeepEqual(
    generate(42, 50).map((event) => event.event_id),
    generate(43, 50).map((event) => event.event_id),
  );
});

test('the sequence of a seed is pinned, byte for byte: a retry resumes it, so it may not drift', () => {
  const withIds = BUILT_IN_ANIMALS.map((animal, k) => ({
    ...animal,
    animalIds: Array.from({ length: 7 }, (_, i) => k * 10 + i + 1),
  }));
  const later = new Date(AT.getTime() + 1000);
  const digests = [BUILT_IN_ANIMALS, withIds].map((animals) => {
    const generator = new ClickGenerator({ seed: 42, users: 300, animals, shiftEvery: 2500 });
    const hash = createHash('sha256');
    for (let i = 0; i < 20_000; i++)
      hash.update(`${JSON.stringify(generator.next(i < 10_000 ? AT : later))}\n`);
    return hash.digest('hex');
  });
  // The digests of the sequence as first generated (before its generator was made faster).
  assert.deepEqual(digests, [
    'be09acd2a62da24aac4b2caee0794eaa0948a4cc459afc93a11586b9ae6fe52b',
    '6172ee36ea1c06858afd2491c1b861acbd622456afb398b93ac4c969cc02cdcc',
  ]);
  const first = new ClickGenerator({ seed: 42, users: 300, animals: withIds, shiftEvery: 2500 }).next(AT);
  assert.equal(
    JSON.stringify(first),
    '{"event_id":"8d8bf7fb-c44f-41aa-9d63-e051e1695688","usuario_id":169,"raca":"beagle","tipo":"cachorro","timestamp":"2026-11-22T14:03:07.125Z","animal_id":36}',
  );
});

test('every generated click follows the contract, with unique ids', () => {
  const events = generate(7, 5000);
  for (const event of events) checkInteractionEvent(event);
  assert.equal(new Set(events.map((event) => event.event_id)).size, 5000);
  assert.equal(events[0]!.timestamp, '2026-11-22T14:03:07.125Z');
});

test('traffic is skewed: the most popular breed gets far more views than the least', () => {
  const counts = [...countBy(generate(1, 20_000)).values()].sort((a, b) => b - a);
  assert.equal(counts.length, BUILT_IN_ANIMALS.length);
  assert.ok(counts[0]! > 3 * counts.at(-1)!, `counts ${counts.join(', ')}`);
});

test('popularity shifts: after each shift the top breed is the next one in the ranking', () => {
  const events = generate(3, 30_000, 10_000);
  const tops = [0, 1, 2].map((shift) => topBreed(events.slice(shift * 10_000, (shift + 1) * 10_000)));
  const order = BUILT_IN_ANIMALS.map((animal) => animal.raca);
  assert.deepEqual(tops, [order[0], order[1], order[2]]);
});

test('checkInteractionEvent names every violation of the contract', () => {
  const good = generate(9, 1)[0]!;
  assert.deepEqual(checkInteractionEvent(good), good);
  // A visitor without an account clicks under the opaque id of the site's cookie.
  const visitor = { ...good, usuario_id: 'v-3fZq_9xK2mA7bQ1wE5rT8y' };
  assert.deepEqual(checkInteractionEvent(visitor), visitor);
  const cases: [unknown, RegExp][] = [
    [{ ...good, usuario_id: '' }, /\/usuario_id must match pattern/],
    [{ ...good, usuario_id: '<script>' }, /\/usuario_id must match pattern/],
    [{ ...good, usuario_id: 'a'.repeat(65) }, /\/usuario_id must match pattern/],
    [{ ...good, usuario_id: 1.5 }, /\/usuario_id must be integer/],
    [{ ...good, tipo: 'peixe' }, /\/tipo must be equal to one of the allowed values/],
    [{ ...good, raca: '../etc' }, /\/raca must match pattern/],
    [{ ...good, timestamp: '2026-11-22 14:03:07' }, /\/timestamp must match pattern/],
    [{ ...good, usuario_id: 0 }, /\/usuario_id must be >= 1/],
    [{ ...good, event_id: 'not-a-uuid' }, /\/event_id must match pattern/],
    [{ ...good, extra: 1 }, /must NOT have additional properties/],
    [{ raca: 'labrador' }, /must have required property 'event_id'.*must have required property 'tipo'/],
  ];
  for (const [event, message] of cases) {
    assert.throws(
      () => checkInteractionEvent(event),
      (error: Error) => {
        assert.ok(error instanceof InvalidInteractionEvent);
        assert.match(error.message, message);
        return true;
      },
    );
  }
});

test('the report window is the last six whole 10-second buckets before the tick', () => {
  assert.deepEqual(reportWindow(new Date('2026-11-22T14:03:30.000Z')), {
    start: new Date('2026-11-22T14:02:30.000Z'),
    end: new Date('2026-11-22T14:03:30.000Z'),
  });
  assert.deepEqual(reportWindow(new Date('2026-11-22T14:03:37.500Z')), {
    start: new Date('2026-11-22T14:02:30.000Z'),
    end: new Date('2026-11-22T14:03:30.000Z'),
  });
});
