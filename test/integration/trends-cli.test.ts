// The operators' commands for the trends, run for real: `bin/petadota trends …` and `simulate`,
// and the README's tctl / temporal CLI commands with plain JSON, against the dev server, the
// platform's worker, Kafka and MariaDB, in a namespace and an isolated platform of their own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import type { RowDataPacket } from 'mysql2/promise';
import { latestTrendReport } from '../../contracts/trend-loop-messages';
import {
  TREND_REPORT_LOOP_WORKFLOW_ID,
  type SimulationSummary,
  type TrendReport,
} from '../../contracts/trends';
import { connectMysql, createKafka } from '../../platform/clients';
import type { simulateInteractions } from '../../workflows';
import { type CliPlatform, startCliPlatform } from '../kit/cli-platform';

let platform: CliPlatform;
let kafkaAdmin: Admin;

before(async () => {
  platform = await startCliPlatform();
  kafkaAdmin = createKafka(platform.config.kafka).admin();
  await kafkaAdmin.connect();
});

after(async () => {
  await kafkaAdmin?.disconnect();
  await platform?.stop();
});

async function clicksInTopic(): Promise<number> {
  const offsets = await kafkaAdmin.fetchTopicOffsets(platform.config.kafka.interactionsTopic);
  return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
}

/** Polls latestReport until `done` holds for a report made after `after`. */
async function waitForReport(done: (report: TrendReport) => boolean, after = 0): Promise<TrendReport> {
  const handle = platform.client.workflow.getHandle(TREND_REPORT_LOOP_WORKFLOW_ID);
  for (const deadline = Date.now() + 60_000; ; await delay(200)) {
    const report = await handle.query(latestTrendReport);
    if (report && Date.parse(report.generatedAt) > after && done(report)) return report;
    if (Date.now() > deadline) assert.fail(`no such report; latest: ${JSON.stringify(report)}`);
  }
}

test('bin/petadota trends: report before start, start, a stale then a fresh report, stop', async () => {
  const { config } = platform;
  const petadota = (...args: string[]) => platform.petadota(...args);
  const before = await petadota('trends', 'report');
  assert.equal(before.code, 1);
  assert.match(before.stderr, /trends-loop was never started; start it with: bin\/petadota trends start/);

  const started = await petadota('trends', 'start', '--interval', '1', '--top', '2', '--stale-after', '30');
  assert.equal(started.code, 0, started.stderr);
  await waitForReport(() => true);
  const stale = await petadota('trends', 'report');
  assert.equal(stale.code, 3, 'no click counted yet: stale');
  assert.match(stale.stdout, /^\(no views in that minute\)$/m);
  assert.match(stale.stdout, /^stream: no click counted yet — STALE: is the Spark job running\?$/m);

  // What the stream job would write: views in the minute before now.
  const bucket = new Date(Math.floor(Date.now() / 10_000) * 10_000 - 20_000);
  const admin = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  try {
    await admin.query(
      `INSERT INTO visualizacoes_10s (bucket_inicio, tipo, raca, visualizacoes, ultimo_evento_em) VALUES
         (?, 'gato', 'persa', 12, ?), (?, 'cachorro', 'beagle', 30, ?), (?, 'cachorro', 'pug', 5, ?)`,
      [bucket, bucket, bucket, bucket, bucket, new Date()],
    );
  } finally {
    await admin.end();
  }
  const fresh = await waitForReport((report) => report.viewsInWindow === 47, Date.now());
  assert.deepEqual(fresh.topBreeds, [
    { rank: 1, tipo: 'cachorro', raca: 'beagle', views: 30 },
    { rank: 2, tipo: 'gato', raca: 'persa', views: 12 },
  ]);
  assert.equal(fresh.freshness.stale, false);
  const shown = await petadota('trends', 'report');
  assert.equal(shown.code, 0, shown.stdout + shown.stderr);
  assert.match(shown.stdout, /^RANK +TIPO +RACA +VIEWS$/m);
  assert.match(shown.stdout, /^1 +cachorro +beagle +30$/m);
  assert.match(shown.stdout, /^2 +gato +persa +12$/m);
  assert.match(shown.stdout, /: 47 views$/m);
  const asJson = JSON.parse((await petadota('trends', 'report', '--json')).stdout) as TrendReport;
  assert.equal(asJson.viewsInWindow, 47);

  const stopped = await petadota('trends', 'stop');
  assert.match(stopped.stdout, /trends-loop stopped \(CANCELLED\)/);
});

test('bin/petadota simulate sends the clicks it reports, and bad options are usage errors', async () => {
  const before = await clicksInTopic();
  const simulated = await platform.petadota('simulate', '--rate', '200', '--duration', '1', '--seed', '4');
  assert.equal(simulated.code, 0, simulated.stderr);
  assert.match(
    simulated.stdout,
    /^simulateInteractions simulate-interactions:\S+ running since \S+ \(run \S+\)$/m,
  );
  assert.match(simulated.stdout, /^Ctrl-C stops it$/m);
  assert.match(simulated.stdout, /^200 clicks in [\d.]+ s \(\d+\/s\)$/m);
  assert.match(simulated.stdout, /^ANIMAL +CLICKS$/m);
  assert.equal(await clicksInTopic(), before + 200);

  const bad = await platform.petadota('simulate', '--rate', 'fast');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--rate must be a whole number from 1 to 1000000, got 'fast'/);
  const badId = await platform.petadota('simulate', '--id', '../etc', '--detach');
  assert.equal(badId.code, 2);
  assert.match(badId.stderr, /--id: expected simulate-interactions:<name>/);
});

test('bin/petadota simulate --id --detach returns at once, and a second start joins the same run', async () => {
  const id = `simulate-interactions:cli-${Date.now()}`;
  const args = ['simulate', '--id', id, '--rate', '20', '--duration', '0', '--detach'];
  const first = await platform.petadota(...args);
  assert.equal(first.code, 0, first.stderr);
  const runId = /\(run (\S+)\)$/m.exec(first.stdout)?.[1];
  assert.ok(runId, first.stdout);
  assert.doesNotMatch(first.stdout, /clicks sent/);
  const second = await platform.petadota(...args);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(/\(run (\S+)\)$/m.exec(second.stdout)?.[1], runId);

  const handle = platform.client.workflow.getHandle<typeof simulateInteractions>(id);
  assert.equal((await handle.describe()).status.name, 'RUNNING');
  await handle.cancel();
  const summary = await handle.result();
  assert.equal(summary.cancelled, true);
});

test("the README's tctl and temporal CLI commands start and query the trend workflows", async () => {
  const tctl = (...args: string[]) => platform.tctl(...args);
  const temporal = (...args: string[]) => platform.temporal(...args);
  const loop = await tctl(
    'workflow', 'start', '--taskqueue', 'pet-adota-trends', '--workflow_type', 'trendReportLoop',
    '--workflow_id', 'trends-loop', '--input', '{"intervalSeconds":1,"top":5}',
  ); // prettier-ignore
  assert.equal(loop.code, 0, loop.stderr);
  await waitForReport(() => true, Date.now());
  const viaTctl = await tctl(
    'workflow',
    'query',
    '--workflow_id',
    'trends-loop',
    '--query_type',
    'latestReport',
  );
  assert.equal(viaTctl.code, 0, viaTctl.stderr);
  assert.match(viaTctl.stdout, /"topBreeds"/);
  const viaTemporal = await temporal(
    'workflow',
    'query',
    '--workflow-id',
    'trends-loop',
    '--type',
    'latestReport',
    '-o',
    'json',
  );
  assert.equal(viaTemporal.code, 0, viaTemporal.stderr);
  const report = (JSON.parse(viaTemporal.stdout) as { queryResult: TrendReport[] }).queryResult[0]!;
  assert.ok(Date.parse(report.tick) % 1000 === 0);
  await platform.client.workflow.getHandle(TREND_REPORT_LOOP_WORKFLOW_ID).terminate('test over');
  const viaTemporalStart = await temporal(
    'workflow', 'start', '--task-queue', 'pet-adota-trends', '--type', 'trendReportLoop',
    '--workflow-id', 'trends-loop', '--input', '{"intervalSeconds":1,"top":5}',
  ); // prettier-ignore
  assert.equal(viaTemporalStart.code, 0, viaTemporalStart.stderr);
  const again = Date.now();
  await waitForReport(() => true, again);
  await platform.client.workflow.getHandle(TREND_REPORT_LOOP_WORKFLOW_ID).terminate('test over');

  const tctlSimulation = `simulate-interactions:tctl-${Date.now()}`;
  const beforeTctl = await clicksInTopic();
  const simulated = await tctl(
    'workflow', 'start', '--taskqueue', 'pet-adota-trends', '--workflow_type', 'simulateInteractions',
    '--workflow_id', tctlSimulation, '--input', '{"eventsPerSecond":100,"durationSeconds":1,"seed":8}',
  ); // prettier-ignore
  assert.equal(simulated.code, 0, simulated.stderr);
  const tctlSummary = (await platform.client.workflow
    .getHandle(tctlSimulation)
    .result()) as SimulationSummary;
  assert.equal(tctlSummary.eventsSent, 100);
  assert.equal(await clicksInTopic(), beforeTctl + 100);

  const before = await clicksInTopic();
  const id = `simulate-interactions:${new Date().toISOString()}`;
  const started = await temporal(
    'workflow', 'start', '--task-queue', 'pet-adota-trends', '--type', 'simulateInteractions',
    '--workflow-id', id, '--input', '{"eventsPerSecond":100,"durationSeconds":1,"seed":7}',
  ); // prettier-ignore
  assert.equal(started.code, 0, started.stderr);
  const result = await temporal('workflow', 'result', '--workflow-id', id, '-o', 'json');
  assert.equal(result.code, 0, result.stderr);
  const summary = (JSON.parse(result.stdout) as { result: SimulationSummary }).result;
  assert.equal(summary.eventsSent, 100);
  assert.equal(await clicksInTopic(), before + 100);
});

test('bin/petadota trends recount, tctl and the temporal CLI rebuild a range from the archive and record it', async () => {
  const { config } = platform;
  const admin = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  try {
    // Views no counted offset accounts for (nothing in the topic or the archive for them): the
    // recount of their hours rebuilds them from nothing, and leaves the hour after alone.
    await admin.query(
      `INSERT INTO visualizacoes_10s (bucket_inicio, tipo, raca, visualizacoes, ultimo_evento_em) VALUES
         ('2026-11-20 14:00:10', 'gato', 'persa', 12, '2026-11-20 14:00:11'),
         ('2026-11-20 15:59:50', 'cachorro', 'beagle', 30, '2026-11-20 15:59:51'),
         ('2026-11-20 16:00:00', 'cachorro', 'pug', 5, '2026-11-20 16:00:01')`,
    );
    const range = ['--from', '2026-11-20T14:00:00Z', '--to', '2026-11-20T16:00:00Z'];
    const recounted = await platform.petadota('trends', 'recount', ...range);
    assert.equal(recounted.code, 0, recounted.stdout + recounted.stderr);
    assert.match(
      recounted.stdout,
      /^recountTrends recount-trends:2026-11-20T14:00:00Z\.\.2026-11-20T16:00:00Z running since /m,
    );
    assert.match(
      recounted.stdout,
      /^recounted 2026-11-20T14:00:00Z – 2026-11-20T16:00:00Z in [\d.]+ s: 0 clicks, each once/m,
    );
    assert.match(recounted.stdout, /^views 42 -> 0; 2 of 2 rows changed \(0 now\)$/m);
    const [rows] = await admin.query<RowDataPacket[]>(
      "SELECT bucket_inicio, visualizacoes FROM visualizacoes_10s WHERE bucket_inicio < '2026-11-21'",
    );
    assert.deepEqual(
      rows.map((row) => [(row.bucket_inicio as Date).toISOString(), Number(row.visualizacoes)]),
      [['2026-11-20T16:00:00.000Z', 5]],
    );

    const input = '{"from":"2026-11-20T14:00:00Z","to":"2026-11-20T16:00:00Z"}';
    const workflowId = 'recount-trends:2026-11-20T14:00:00Z..2026-11-20T16:00:00Z';
    const viaTemporal = await platform.temporal(
      'workflow', 'execute', '--task-queue', 'pet-adota-trends', '--type', 'recountTrends',
      '--workflow-id', workflowId, '--input', input,
    ); // prettier-ignore
    assert.equal(viaTemporal.code, 0, viaTemporal.stdout + viaTemporal.stderr);
    assert.match(viaTemporal.stdout, /"rows_changed":\s*0/);
    const viaTctl = await platform.tctl(
      'workflow', 'run', '--taskqueue', 'pet-adota-trends', '--workflow_type', 'recountTrends',
      '--workflow_id', workflowId, '--execution_timeout', '21600', '--input', input,
    ); // prettier-ignore
    assert.equal(viaTctl.code, 0, viaTctl.stdout + viaTctl.stderr);
    const [recorded] = await admin.query<RowDataPacket[]>(
      'SELECT linhas_alteradas, visualizacoes_antes, visualizacoes_depois FROM recontagens ORDER BY id',
    );
    assert.deepEqual(
      recorded.map((row) => [
        Number(row.linhas_alteradas),
        Number(row.visualizacoes_antes),
        Number(row.visualizacoes_depois),
      ]),
      [
        [2, 42, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
    );

    const bad = await platform.petadota(
      'trends',
      'recount',
      '--from',
      '2026-11-20T14:30:00Z',
      '--to',
      '2026-11-20T16:00:00Z',
    );
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--from: expected a whole UTC hour like 2026-12-02T10:00:00Z, got '2026-11-20T14:30:00Z'/,
    );
  } finally {
    await admin.end();
  }
});
