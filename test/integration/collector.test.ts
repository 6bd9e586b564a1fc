// The click collector (POST /v1/clicks) against a real Kafka broker of its own (a second stack's,
// every port moved by 400, so that it can be stopped): an answer only once Kafka has every
// accepted event, each rejected record named with its field and reason, the visitor's opaque id,
// 413 for too much, and 503 with Retry-After while Kafka is down, with nothing lost once it is back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig, type PlatformConfig } from '../../platform/config';
import type { InteractionEvent } from '../../contracts/trends';
import type { CollectorAnswer } from '../../workers/site/collector';
import { type RunningSite, startSite } from '../../workers/site/start';
import { isolatedEnv, provisionIsolatedPlatform, removeIsolatedPlatform } from '../kit/isolated';
import { secondStackEnv } from '../kit/second-stack';
import { readTopic } from '../kit/topic';
import { collectorSender } from '../../activities/trends/click-senders';
import { BUILT_IN_ANIMALS } from '../../activities/trends/clicks';
import { simulate } from '../../activities/trends/simulator';

const dataDir = mkdtempSync(join(tmpdir(), 'petadota-collector-'));
// One Kafka node, whatever the main stack runs: `down kafka` is then Kafka down.
const stackEnv: Record<string, string> = {
  ...secondStackEnv(dataDir, 400),
  KAFKA_NODES: '1',
  PETADOTA_START_TIMEOUT: '120',
};
const MAX_EVENTS = 100;
const MAX_BODY = 65_536;
let config: PlatformConfig;
let site: RunningSite;

function stack(...args: string[]): void {
  const result = spawnSync('infra/local/stack', args, { env: stackEnv, encoding: 'utf8', timeout: 240_000 });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
}

before(async () => {
  stack('up', 'kafka');
  config = loadConfig(
    isolatedEnv({
      KAFKA_BROKERS: `127.0.0.1:${stackEnv.KAFKA_PORT}`,
      KAFKA_REPLICATION_FACTOR: '1',
      KAFKA_MIN_INSYNC_REPLICAS: '1',
      WEB_KAFKA_TIMEOUT_MS: '3000',
      WEB_MAX_BODY_BYTES: String(MAX_BODY),
      WEB_MAX_EVENTS_PER_REQUEST: String(MAX_EVENTS),
    }),
  );
  await provisionIsolatedPlatform(config, { topics: true });
  site = await startSite(config, { port: 0, logger: false });
});

after(async () => {
  await site?.close();
  await removeIsolatedPlatform(config);
  stack('down');
  rmSync(dataDir, { recursive: true, force: true });
});

async function post(
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; headers: Headers; answer: CollectorAnswer & { error?: string } }> {
  const response = await fetch(`${site.url}/v1/clicks`, { method: 'POST', headers, body });
  return {
    status: response.status,
    headers: response.headers,
    answer: (await response.json()) as CollectorAnswer,
  };
}

const click = (overrides: Partial<InteractionEvent> = {}) => ({
  raca: 'labrador',
  tipo: 'cachorro',
  timestamp: new Date().toISOString(),
  ...overrides,
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await probe();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await delay(500);
  }
}

/** The collector's messages in the topic, by event id. */
async function inTopic(): Promise<Map<string, InteractionEvent[]>> {
  const byId = new Map<string, InteractionEvent[]>();
  for (const message of await readTopic(config.kafka, config.kafka.interactionsTopic)) {
    const event = JSON.parse(message.value!) as InteractionEvent;
    assert.equal(message.key, event.event_id);
    byId.set(event.event_id, [...(byId.get(event.event_id) ?? []), event]);
  }
  return byId;
}

test('events are acknowledged once Kafka has them; each rejected record is named, the good ones kept', async () => {
  // A visitor's first click: no event id, no user, no time; it gets all three, and a cookie.
  const first = await post(JSON.stringify(click({ timestamp: undefined })));
  assert.equal(first.status, 202, JSON.stringify(first.answer));
  assert.equal(first.answer.accepted, 1);
  assert.match(
    first.answer.eventIds[0]!,
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  const cookie = first.headers.get('set-cookie') ?? '';
  const visitor = /pa_visitor=(v-[A-Za-z0-9_-]{22});/.exec(cookie)?.[1];
  assert.ok(visitor, cookie);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);

  // The same visitor again, with a batch: the bad record named, the good ones accepted.
  const batch = await post(
    JSON.stringify([click(), click({ tipo: 'peixe' as never }), click({ raca: 'golden-retriever' })]),
    {
      'content-type': 'application/json',
      cookie: `pa_visitor=${visitor}`,
    },
  );
  assert.equal(batch.status, 400);
  assert.equal(batch.answer.accepted, 2);
  assert.deepEqual(batch.answer.rejected, [
    { index: 1, problems: [{ field: 'tipo', reason: 'must be equal to one of the allowed values' }] },
  ]);
  assert.equal(batch.headers.get('set-cookie'), null);

  // NDJSON: a line that is not JSON and one that is not an event, by line number.
  const ndjson = await post(
    [
      JSON.stringify(click({ usuario_id: 7 })),
      '{not json',
      '',
      '[1]',
      JSON.stringify(click({ usuario_id: 8 })),
    ].join('\n'),
    { 'content-type': 'application/x-ndjson' },
  );
  assert.equal(ndjson.status, 400);
  assert.equal(ndjson.answer.accepted, 2);
  assert.deepEqual(ndjson.answer.rejected, [
    { index: 1, line: 2, problems: [{ field: '(event)', reason: 'is not JSON' }] },
    { index: 2, line: 4, problems: [{ field: '(event)', reason: 'must be a JSON object' }] },
  ]);

  // Exactly what was acknowledged is in the topic, once each, with the visitor's id where it had none.
  const acknowledged = [...first.answer.eventIds, ...batch.answer.eventIds, ...ndjson.answer.eventIds];
  const topic = await inTopic();
  assert.deepEqual([...topic.keys()].sort(), [...acknowledged].sort());
  for (const id of acknowledged) assert.equal(topic.get(id)!.length, 1, id);
  for (const id of [...first.answer.eventIds, ...batch.answer.eventIds])
    assert.equal(topic.get(id)![0]!.usuario_id, visitor);
  assert.deepEqual(
    ndjson.answer.eventIds.map((id) => topic.get(id)![0]!.usuario_id),
    [7, 8],
  );
});

test('a body or a batch too large gets 413, and nothing of it is sent', async () => {
  const before = (await inTopic()).size;
  const large = await fetch(`${site.url}/v1/clicks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([click({ raca: 'a'.repeat(MAX_BODY) })]),
  });
  assert.equal(large.status, 413);
  const many = await post(JSON.stringify(Array.from({ length: MAX_EVENTS + 1 }, () => click())));
  assert.equal(many.status, 413);
  assert.equal(
    many.answer.error,
    `a request carries at most ${MAX_EVENTS} events, this one ${MAX_EVENTS + 1}`,
  );
  assert.equal((await inTopic()).size, before);
});

test(
  'with Kafka down: 503 with Retry-After and nothing acknowledged; once it is back, nothing is lost',
  { timeout: 300_000 },
  async () => {
    const events = ['1', '2', '3'].map((n) =>
      click({ event_id: `11111111-2222-4333-8444-00000000000${n}`, usuario_id: 'v-retry' }),
    );
    stack('down', 'kafka');
    const refused = await post(JSON.stringify(events));
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.match(
      refused.answer.error ?? '',
      /nothing was acknowledged; retry after 5 s with the same event ids/,
    );
    assert.deepEqual(
      refused.answer.eventIds,
      events.map((event) => event.event_id),
    );

    stack('up', 'kafka');
    // The client retries as told, with the same event ids, until the collector acknowledges them.
    let accepted: Awaited<ReturnType<typeof post>> | undefined;
    for (let attempt = 0; attempt < 20 && accepted?.status !== 202; attempt++) {
      if (attempt > 0) await delay(5000);
      accepted = await post(JSON.stringify(events));
    }
    assert.equal(accepted?.status, 202, JSON.stringify(accepted?.answer));
    // Each acknowledged event is in the topic; the refused attempt's may be too (the broker had
    // it once it was back): the stream counts an event id once.
    const ids = events.map((event) => event.event_id!);
    const topic = await until('every acknowledged event in the topic', async () => {
      const read = await inTopic();
      return ids.every((id) => read.has(id)) ? read : undefined;
    });
    for (const id of ids) assert.ok(topic.get(id)!.length <= 2, id);
  },
);

test(
  'the simulator sends through the collector and waits out a Kafka outage, losing nothing',
  { timeout: 300_000 },
  async () => {
    const before = await inTopic();
    const never = new AbortController().signal;
    stack('down', 'kafka');
    // 200 clicks over 2 s, sent while Kafka is down: the collector answers 503 until it is back.
    const sending = simulate(
      collectorSender(site.url, never, 50),
      [...BUILT_IN_ANIMALS],
      {
        eventsPerSecond: 100,
        durationSeconds: 2,
        seed: 3,
        users: 50,
      },
      { heartbeat: () => undefined, cancelled: never, log: () => undefined },
    );
    await delay(4000);
    stack('up', 'kafka');
    const summary = await sending;
    assert.equal(summary.eventsSent, 200);
    const after = await inTopic();
    const added = [...after.keys()].filter((id) => !before.has(id));
    assert.equal(added.length, 200);
  },
);

test(
  'a simulation stopped while the collector cannot take its clicks returns its summary: nothing sent',
  { timeout: 300_000 },
  async () => {
    const stop = new AbortController();
    stack('down', 'kafka');
    try {
      const sending = simulate(
        collectorSender(site.url, stop.signal, 50),
        [...BUILT_IN_ANIMALS],
        { eventsPerSecond: 100, durationSeconds: 60, seed: 4, users: 50 },
        { heartbeat: () => undefined, cancelled: stop.signal, log: () => undefined },
      );
      await delay(3000);
      stop.abort();
      // A cancelled run is not a failed one; the clicks the collector refused are not counted as
      // sent (its refused attempts may still reach the topic once Kafka is back, as above).
      const summary = await sending;
      assert.equal(summary.cancelled, true);
      assert.equal(summary.eventsSent, 0);
      assert.deepEqual(summary.perAnimal, {});
    } finally {
      stack('up', 'kafka');
    }
  },
);
