// The trend activities on the real broker and MariaDB: the simulator's clicks as they land in
// Kafka, and the trend report built from known rows with the read-only account and stored with
// the stream account. An isolated database, accounts and topics keep the platform's data apart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { type Admin, type Kafka, Partitioners } from 'kafkajs';
import type { Connection, Pool, RowDataPacket } from 'mysql2/promise';
import { createTrendActivities } from '../../activities/trends';
import { encodeClicks } from '../../activities/trends/click-batches';
import { kafkaSender } from '../../activities/trends/click-senders';
import { BUILT_IN_ANIMALS, ClickGenerator } from '../../activities/trends/clicks';
import { checkInteractionEvent } from '../../activities/trends/events';
import type { SimulationPlan, SimulationProgress } from '../../activities/trends/simulator';
import { ErrorType } from '../../contracts/errors';
import type { InteractionEvent, SimulationSummary, TrendReport } from '../../contracts/trends';
import { connectMysql, createKafka, createMysqlPool } from '../../platform/clients';
import { isolatedConfig, provisionIsolatedPlatform, removeIsolatedPlatform } from '../kit/isolated';
import { trendSettings } from '../../workers/worker/activity-settings';

const config = isolatedConfig();
let kafka: Kafka;
let kafkaAdmin: Admin;
let admin: Connection;
let readonlyDb: Pool;
let streamDb: Pool;

before(async () => {
  kafka = createKafka(config.kafka);
  await provisionIsolatedPlatform(config, { topics: true });
  kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  admin = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  readonlyDb = createMysqlPool(config.mysql, config.mysql.readonly);
  streamDb = createMysqlPool(config.mysql, config.mysql.stream);
});

after(async () => {
  await readonlyDb?.end();
  await streamDb?.end();
  await admin?.end();
  await kafkaAdmin?.disconnect();
  await removeIsolatedPlatform(config);
});

const activities = () => createTrendActivities({ ...trendSettings(config), readonlyDb, streamDb });
const mockEnvironment = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });

function simulateOnce(plan: SimulationPlan, env = mockEnvironment()): Promise<SimulationSummary> {
  const run = (p: SimulationPlan) => activities().simulateClicks(p);
  return env.run<[SimulationPlan], SimulationSummary, typeof run>(run, plan);
}

async function messagesInTopic(): Promise<number> {
  const offsets = await kafkaAdmin.fetchTopicOffsets(config.kafka.interactionsTopic);
  return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
}

/** Reads the whole interactions topic from the beginning. */
async function readTopic(
  expected: number,
): Promise<{ key: string; partition: number; event: InteractionEvent }[]> {
  const consumer = kafka.consumer({ groupId: `${config.kafka.interactionsTopic}-reader-${Date.now()}` });
  const read: { key: string; partition: number; event: InteractionEvent }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: config.kafka.interactionsTopic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(
        () => reject(new Error(`read ${read.length} of ${expected} clicks`)),
        60_000,
      );
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          read.push({
            key: message.key!.toString(),
            partition,
            event: JSON.parse(message.value!.toString()) as InteractionEvent,
          });
          if (read.length === expected) {
            clearTimeout(timeout);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return read;
}

const identity = (event: InteractionEvent) =>
  `${event.event_id} ${event.usuario_id} ${event.tipo} ${event.raca}`;

test('the simulator sends exactly the planned clicks, each valid, keyed by its id on its key’s partition, the seeded sequence', async () => {
  const plan: SimulationPlan = { eventsPerSecond: 3000, durationSeconds: 2, seed: 11, users: 50 };
  const summary = await simulateOnce(plan);

  assert.equal(summary.eventsSent, 6000);
  assert.equal(summary.cancelled, false);
  const read = await readTopic(6000);
  assert.equal(await messagesInTopic(), 6000);
  const [topic] = (await kafkaAdmin.fetchTopicMetadata({ topics: [config.kafka.interactionsTopic] })).topics;
  const partitionMetadata = topic!.partitions;
  assert.ok(partitionMetadata.length > 1, 'a topic of several partitions');
  // The partition the Java client's default partitioner (murmur2 of the key) picks, as kafkajs's
  // does: the collector's producer and the simulator's put one event id on the same partition.
  const defaultPartition = Partitioners.DefaultPartitioner();
  for (const { key, partition, event } of read) {
    assert.deepEqual(checkInteractionEvent(event), event);
    assert.equal(key, event.event_id);
    assert.equal(
      partition,
      defaultPartition({ topic: topic!.name, partitionMetadata, message: { key, value: null } }),
    );
    assert.equal(event.animal_id, undefined, 'the catalog is empty: the built-in breeds, no animal ids');
  }
  // The clicks counted per animal are the clicks in the topic.
  const perAnimal: Record<string, number> = {};
  for (const { event } of read)
    perAnimal[`${event.tipo}/${event.raca}`] = (perAnimal[`${event.tipo}/${event.raca}`] ?? 0) + 1;
  assert.deepEqual(summary.perAnimal, perAnimal);
  // The seeded sequence, exactly (Kafka keeps order per partition only, so compare as sets).
  const generator = new ClickGenerator({
    seed: 11,
    users: 50,
    animals: BUILT_IN_ANIMALS,
    shiftEvery: 3000 * 60,
  });
  const expected = Array.from({ length: 6000 }, () => identity(generator.next(new Date())));
  assert.deepEqual(read.map(({ event }) => identity(event)).sort(), expected.sort());
});

test('the simulator clicks the catalog’s animals when there are some', async () => {
  await admin.query(
    `INSERT INTO animais_disponiveis (raca, url, tipo, nome, numero, object_key, source_url, source_url_sha256, content_sha256, content_type, size_bytes)
     VALUES ('beagle', 's3://b/cachorro/beagle/beagle_01.jpg', 'cachorro', 'beagle_01', 1, 'cachorro/beagle/beagle_01.jpg', 'https://x/1', REPEAT('a', 64), REPEAT('b', 64), 'image/jpeg', 10),
            ('persa', 's3://b/gato/persa/persa_01.jpg', 'gato', 'persa_01', 1, 'gato/persa/persa_01.jpg', 'https://x/2', REPEAT('c', 64), REPEAT('d', 64), 'image/jpeg', 10)`,
  );
  const [rows] = await admin.query<RowDataPacket[]>('SELECT id, raca FROM animais_disponiveis');
  const idOf = new Map(rows.map((row) => [row.raca as string, Number(row.id)]));
  const before = await messagesInTopic();
  const plan = { eventsPerSecond: 500, durationSeconds: 1, seed: 3, users: 10 };
  const first = mockEnvironment();
  const heartbeats: SimulationProgress[] = [];
  first.on('heartbeat', (details: SimulationProgress) => heartbeats.push(details));
  const summary = await simulateOnce(plan, first);
  const progress = heartbeats.at(-1)!;

  assert.deepEqual(Object.keys(summary.perAnimal).sort(), ['cachorro/beagle', 'gato/persa']);
  assert.equal(progress.catalogUpToId, Math.max(...idOf.values()));
  const read = (await readTopic(before + 500)).filter(({ event }) => event.animal_id !== undefined);
  assert.equal(read.length, 500);
  for (const { event } of read) assert.equal(event.animal_id, idOf.get(event.raca));

  // The catalog grows; a retry that resumes from the start sends the very same clicks again
  // (same ids, same animals), not a sequence drawn from the larger catalog.
  await admin.query(
    `INSERT INTO animais_disponiveis (raca, url, tipo, nome, numero, object_key, source_url, source_url_sha256, content_sha256, content_type, size_bytes)
     VALUES ('siames', 's3://b/gato/siames/siames_01.jpg', 'gato', 'siames_01', 1, 'gato/siames/siames_01.jpg', 'https://x/3', REPEAT('e', 64), REPEAT('f', 64), 'image/jpeg', 10)`,
  );
  const retry = new MockActivityEnvironment(
    { heartbeatDetails: { eventsSent: 0, perAnimal: {}, catalogUpToId: progress.catalogUpToId } },
    { logger: new DefaultLogger('WARN') },
  );
  assert.deepEqual(await simulateOnce(plan, retry).then((again) => again.perAnimal), summary.perAnimal);
  const resent = (await readTopic(before + 1000)).filter(({ event }) => event.animal_id !== undefined);
  const clicks = (list: typeof read) =>
    list.map(({ event }) => `${identity(event)} ${event.animal_id}`).sort();
  const firstClicks = clicks(read);
  const twice = clicks(resent);
  assert.deepEqual(twice, [...firstClicks, ...firstClicks].sort());
  await admin.query('DELETE FROM animais_disponiveis');
});

test('cancelling the simulator stops it; what it reports sent is what the topic received', async () => {
  const before = await messagesInTopic();
  const env = mockEnvironment();
  const running = simulateOnce({ eventsPerSecond: 2000, durationSeconds: 0, seed: 8, users: 10 }, env);
  while ((await messagesInTopic()) - before < 1000) await new Promise((resolve) => setTimeout(resolve, 50));
  env.cancel();
  const summary = await running;

  assert.equal(summary.cancelled, true);
  assert.ok(summary.eventsSent >= 1000);
  assert.equal(await messagesInTopic(), before + summary.eventsSent);
});

test('the trend report from known rows: top breeds and animals of the last minute, unknown ids, late clicks, peak hours, freshness', async () => {
  const tick = '2026-11-20T14:03:30.000Z';
  await admin.query(
    `INSERT INTO visualizacoes_10s (bucket_inicio, tipo, raca, visualizacoes, ultimo_evento_em) VALUES
       ('2026-11-20 14:02:20', 'gato', 'persa', 100, '2026-11-20 14:02:29.900'),  -- before the window
       ('2026-11-20 14:02:30', 'gato', 'persa', 4, '2026-11-20 14:02:31.000'),
       ('2026-11-20 14:03:20', 'gato', 'persa', 3, '2026-11-20 14:03:25.000'),
       ('2026-11-20 14:02:40', 'cachorro', 'labrador', 9, '2026-11-20 14:02:45.000'),
       ('2026-11-20 14:03:00', 'cachorro', 'beagle', 7, '2026-11-20 14:03:01.000'),
       ('2026-11-20 14:03:00', 'gato', 'siames', 7, '2026-11-20 14:03:02.000'),
       ('2026-11-20 14:03:30', 'cachorro', 'pug', 50, '2026-11-20 14:03:31.250')  -- the bucket still filling`,
  );
  await admin.query(
    `INSERT INTO visualizacoes_hora (hora_inicio, tipo, raca, visualizacoes) VALUES
       ('2026-11-19 20:00:00', 'gato', 'persa', 900),
       ('2026-11-20 09:00:00', 'gato', 'persa', 30),
       ('2026-11-20 09:00:00', 'cachorro', 'labrador', 15),
       ('2026-11-20 14:00:00', 'cachorro', 'pug', 40)`,
  );
  await admin.query(
    `INSERT INTO animais_disponiveis (id, raca, url, tipo, nome, numero, object_key, source_url, source_url_sha256, content_sha256, content_type, size_bytes)
     VALUES (11, 'labrador', 's3://b/cachorro/labrador/labrador_01.jpg', 'cachorro', 'labrador_01', 1, 'cachorro/labrador/labrador_01.jpg', 'https://x/11', REPEAT('a', 64), REPEAT('b', 64), 'image/jpeg', 10),
            (12, 'labrador', 's3://b/cachorro/labrador/labrador_02.jpg', 'cachorro', 'labrador_02', 2, 'cachorro/labrador/labrador_02.jpg', 'https://x/12', REPEAT('c', 64), REPEAT('d', 64), 'image/jpeg', 10),
            (13, 'persa', 's3://b/gato/persa/persa_01.jpg', 'gato', 'persa_01', 1, 'gato/persa/persa_01.jpg', 'https://x/13', REPEAT('e', 64), REPEAT('f', 64), 'image/jpeg', 10)`,
  );
  // Per animal: 12 leads; 13 only before the window; 99 is not in the catalog; 11 came into the
  // catalog after the stream counted two of its clicks as unknown.
  await admin.query(
    `INSERT INTO visualizacoes_animal_10s (bucket_inicio, animal_id, visualizacoes, desconhecidas, ultimo_evento_em) VALUES
       ('2026-11-20 14:02:20', 13, 50, 0, '2026-11-20 14:02:29.000'),
       ('2026-11-20 14:02:30', 12, 4, 0, '2026-11-20 14:02:31.000'),
       ('2026-11-20 14:03:20', 12, 2, 0, '2026-11-20 14:03:21.000'),
       ('2026-11-20 14:02:40', 11, 5, 2, '2026-11-20 14:02:45.000'),
       ('2026-11-20 14:03:00', 99, 3, 3, '2026-11-20 14:03:01.000'),
       ('2026-11-20 14:03:30', 13, 70, 0, '2026-11-20 14:03:31.000')`,
  );
  // Late clicks by arrival minute: the first is more than an hour before the tick.
  await admin.query(
    `INSERT INTO cliques_atrasados (chegada_minuto, cliques, maior_atraso_ms, evento_mais_antigo_em) VALUES
       ('2026-11-20 13:03:00', 1000, 9000000, '2026-11-20 10:00:00.000'),
       ('2026-11-20 13:04:00', 3, 65000, '2026-11-20 13:02:50.000'),
       ('2026-11-20 14:03:00', 2, 125500, '2026-11-20 14:00:55.000')`,
  );
  const report = await activities().buildTrendReport({ tick, top: 3, staleAfterSeconds: 120 });

  const { generatedAt, freshness, ...rest } = report;
  assert.deepEqual(rest, {
    tick,
    window: { start: '2026-11-20T14:02:30.000Z', end: '2026-11-20T14:03:30.000Z' },
    topBreeds: [
      { rank: 1, tipo: 'cachorro', raca: 'labrador', views: 9 },
      { rank: 2, tipo: 'cachorro', raca: 'beagle', views: 7 },
      { rank: 3, tipo: 'gato', raca: 'persa', views: 7 },
    ],
    topAnimals: [
      {
        rank: 1,
        animalId: 12,
        nome: 'labrador_02',
        tipo: 'cachorro',
        raca: 'labrador',
        url: 's3://b/cachorro/labrador/labrador_02.jpg',
        views: 6,
      },
      {
        rank: 2,
        animalId: 11,
        nome: 'labrador_01',
        tipo: 'cachorro',
        raca: 'labrador',
        url: 's3://b/cachorro/labrador/labrador_01.jpg',
        views: 5,
      },
    ],
    unknownAnimals: { views: 5, ids: [99, 11] },
    viewsInWindow: 30,
    lateClicks: { lastHour: 5, longestLatenessSeconds: 125.5 },
    peakHourToday: { hourStart: '2026-11-20T09:00:00.000Z', views: 45 },
    peakHourOverall: { hourStart: '2026-11-19T20:00:00.000Z', views: 900 },
  });
  assert.equal(freshness.newestEventAt, '2026-11-20T14:03:31.250Z');
  const age = (Date.parse(generatedAt) - Date.parse('2026-11-20T14:03:31.250Z')) / 1000;
  assert.ok(Math.abs(freshness.ageSeconds! - age) <= 0.1, `age ${freshness.ageSeconds} vs ${age}`);
  assert.equal(freshness.stale, true, 'these rows are from the past: far older than 120 s');

  await activities().storeTrendReport(report);
  await activities().storeTrendReport({ ...report, viewsInWindow: 31 }); // a retry of the same tick
  const [stored] = await admin.query<RowDataPacket[]>('SELECT tick_em, relatorio FROM relatorios_tendencia');
  assert.equal(stored.length, 1);
  assert.deepEqual((stored[0]!.tick_em as Date).toISOString(), tick);
  const storedReport = (
    typeof stored[0]!.relatorio === 'string' ? JSON.parse(stored[0]!.relatorio) : stored[0]!.relatorio
  ) as TrendReport;
  assert.equal(storedReport.viewsInWindow, 31);
});

test('an empty stream gives an empty, stale report; the read-only account cannot store it', async () => {
  for (const table of [
    'visualizacoes_10s',
    'visualizacoes_hora',
    'visualizacoes_animal_10s',
    'cliques_atrasados',
  ])
    await admin.query(`DELETE FROM ${table}`);
  await admin.query('DELETE FROM animais_disponiveis');
  const report = await activities().buildTrendReport({
    tick: new Date().toISOString(),
    top: 5,
    staleAfterSeconds: 60,
  });
  assert.deepEqual(report.topBreeds, []);
  assert.deepEqual(report.topAnimals, []);
  assert.deepEqual(report.unknownAnimals, { views: 0, ids: [] });
  assert.deepEqual(report.lateClicks, { lastHour: 0, longestLatenessSeconds: null });
  assert.equal(report.viewsInWindow, 0);
  assert.equal(report.peakHourOverall, null);
  assert.deepEqual(report.freshness, { newestEventAt: null, ageSeconds: null, stale: true });

  const refused = createTrendActivities({
    ...trendSettings(config),
    readonlyDb,
    streamDb: readonlyDb,
  });
  await assert.rejects(refused.storeTrendReport(report), (error: Error & { type?: string }) => {
    assert.equal(error.type, ErrorType.AccessDenied);
    assert.match(error.message, /INSERT, UPDATE command denied/);
    return true;
  });
});

test('a worker shutting down fails the attempt instead of ending the run, so a retry resumes it', async () => {
  const env = mockEnvironment();
  const heartbeats: { eventsSent: number }[] = [];
  env.on('heartbeat', (details: { eventsSent: number }) => heartbeats.push(details));
  const before = await messagesInTopic();
  const running = simulateOnce({ eventsPerSecond: 2000, durationSeconds: 0, seed: 9, users: 10 }, env);
  while ((await messagesInTopic()) - before < 500) await new Promise((resolve) => setTimeout(resolve, 50));
  env.cancel('WORKER_SHUTDOWN');

  await assert.rejects(
    running,
    /simulation interrupted \(WORKER_SHUTDOWN\) after \d+ clicks; a retry resumes it/,
  );
  // The last heartbeat is the exact resume point: every click sent, and no more.
  assert.equal(heartbeats.at(-1)!.eventsSent, (await messagesInTopic()) - before);
});

test('the Kafka sender takes one batch at a time: a second one while the first is on its way is refused and sends nothing; the next, once the first is taken, is sent', async () => {
  const generator = new ClickGenerator({ seed: 5, users: 10, animals: BUILT_IN_ANIMALS, shiftEvery: 1000 });
  const batch = () =>
    encodeClicks(Array.from({ length: 500 }, () => checkInteractionEvent(generator.next(new Date()))));
  const before = await messagesInTopic();
  const sender = kafkaSender(config.kafka);
  await sender.open();
  try {
    const first = sender.send(batch());
    await assert.rejects(sender.send(batch()), /still on its way: one at a time/);
    await first;
    // The next batch, once the first is taken, is sent.
    await sender.send(batch());
  } finally {
    await sender.close();
  }
  assert.equal(await messagesInTopic(), before + 1000);
});

test('the Kafka sender rejects a batch the broker refuses, and says why', async () => {
  // Only failures are reported (delivery.report.only.error): a batch must still fail as a whole.
  const topic = `${config.kafka.interactionsTopic}-small`;
  await kafkaAdmin.createTopics({
    topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '100' }] }],
    waitForLeaders: true,
  });
  const generator = new ClickGenerator({ seed: 6, users: 10, animals: BUILT_IN_ANIMALS, shiftEvery: 1000 });
  const sender = kafkaSender({ ...config.kafka, interactionsTopic: topic });
  await sender.open();
  try {
    const batch = encodeClicks(
      Array.from({ length: 500 }, () => checkInteractionEvent(generator.next(new Date()))),
    );
    await assert.rejects(sender.send(batch), /Kafka did not take a batch of clicks: .*too large/i);
  } finally {
    await sender.close();
    await kafkaAdmin.deleteTopics({ topics: [topic] });
  }
});
