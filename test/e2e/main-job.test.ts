// The main job end to end, on a second local stack of its own (other ports, a fresh data
// directory): `infra/local/main-job` from empty services provisions, stores images from at least
// two cycles (rows and objects agree exactly), the simulator's most-clicked breed tops a trend
// report, and Temporal lists the platform's workflows. Then Ctrl-C and a second start: the loops
// resume (same runs), no name or object is duplicated, and the stream's counts equal the
// distinct clicks in Kafka — nothing lost, nothing counted twice.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { RowDataPacket } from 'mysql2/promise';
import { imageLoopStatus } from '../../contracts/image-loop-messages';
import { IMAGE_LOOP_WORKFLOW_ID, type ImageLoopStatus } from '../../contracts/images';
import { latestTrendReport } from '../../contracts/trend-loop-messages';
import { TREND_REPORT_LOOP_WORKFLOW_ID, type TrendReport, TRENDS_TASK_QUEUE } from '../../contracts/trends';
import { simulateInteractions } from '../../workflows';
import { loadConfig, type PlatformConfig, resolveEnv } from '../../platform/config';
import { settingsFor } from '../../platform/settings';
import { secondStackEnv } from '../kit/second-stack';
import { auditCatalog, catalogProblems } from '../kit/catalog';
import { connectMysql, connectTemporalClient, createKafka } from '../../platform/clients';

const SIMULATION_ID = 'simulate-interactions:main-job';
const dataDir = mkdtempSync(join(tmpdir(), 'petadota-e2e-'));
/** Every port of the stack moved by 100, so the developer's own stack keeps running beside it. */
const env: Record<string, string> = {
  ...secondStackEnv(dataDir, 100),
  PET_APIS: 'local',
  SIMULATOR_RATE: '50',
};
/** The main job's output, kept after the test next to the other test logs. */
const log = createWriteStream(
  join(settingsFor('tests', process.env).string('PETADOTA_LOG_DIR'), 'tests', 'e2e-main-job.log'),
);
let mainJob: ChildProcess | undefined;
let output = '';
let config: PlatformConfig;
let client: Client;

function startMainJob(): ChildProcess {
  output = '';
  // Its own process group, so a Ctrl-C can be sent to the whole job as a terminal would.
  const child = spawn('infra/local/main-job', [], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      log.write(chunk);
    });
  }
  return child;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${what}\n--- main job output ---\n${output.slice(-4000)}`);
    await delay(1000);
  }
}

async function waitForLiveSummary(): Promise<void> {
  await waitFor(
    'the main job to start everything',
    () => Promise.resolve(output.includes('Live summary') || undefined),
    600_000,
  );
}

async function stopMainJob(): Promise<void> {
  if (!mainJob || mainJob.exitCode !== null) return;
  const exited = new Promise((resolve) => mainJob!.once('exit', resolve));
  const closed = new Promise((resolve) => mainJob!.once('close', resolve));
  process.kill(-mainJob.pid!, 'SIGINT');
  await exited;
  // 'exit' may be handled before the last of the job's output is read from its pipes (a test once
  // missed its stop banner): wait for them to close too, unless a leftover process holds them.
  await Promise.race([closed, delay(10_000)]);
}

const loopStatus = (): Promise<ImageLoopStatus> =>
  client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID).query(imageLoopStatus);

/** Catalog rows and bucket objects: the same keys, exactly, each breed numbered 1..n. */
async function assertRowsMatchObjects(): Promise<number> {
  const audit = await auditCatalog(config);
  // A cycle may be storing right now: its reservations are not left over.
  assert.deepEqual(catalogProblems(audit, { reservationsAllowed: true }), []);
  return audit.rows;
}

const LONG = { timeout: 900_000 };

before(async () => {
  mainJob = startMainJob();
  await waitForLiveSummary();
  config = loadConfig(resolveEnv(env));
  client = await connectTemporalClient(config.temporal);
}, LONG);

after(async () => {
  await client?.connection.close();
  await stopMainJob();
  // Whatever happened above, nothing of the second stack may keep running.
  await new Promise((resolve) =>
    spawn('infra/local/stack', ['down'], { env, stdio: 'ignore' }).once('exit', resolve),
  );
  log.end();
  rmSync(dataDir, { recursive: true, force: true });
}, LONG);

test(
  'from empty services: provisioned, images from two cycles, the top clicked breed tops the report',
  LONG,
  async () => {
    assert.match(output, /validation: \d+ of \d+ checks passed\n/);
    assert.match(output, /FALLING BACK|Pet APIs: the local pet API server/);
    // The site is the first place to look, and it answers.
    const site = `http://127.0.0.1:${env.WEB_PORT}`;
    assert.match(output, new RegExp(`==> PetAdota is running[\\s\\S]*\\nSite: +${site} `));
    assert.equal((await fetch(`${site}/healthz`)).status, 200);

    await waitFor(
      'two completed image cycles',
      async () => {
        const status = await loopStatus();
        return status.lastCycles.filter((cycle) => cycle.status === 'completed').length >= 2
          ? status
          : undefined;
      },
      180_000,
    );
    assert.ok((await assertRowsMatchObjects()) >= 2);

    // The stream counts the background clicks first: its first batches (a cluster's executors
    // starting, say) are not what the report of a burst is about.
    await waitFor(
      'a trend report with fresh counts',
      async () => {
        const latest = await client.workflow
          .getHandle(TREND_REPORT_LOOP_WORKFLOW_ID)
          .query(latestTrendReport);
        return latest && !latest.freshness.stale && latest.viewsInWindow > 0 ? latest : undefined;
      },
      180_000,
    );
    // A burst of clicks far above the background simulator: its top breed must top the report.
    const burstStart = Date.now();
    const burst = await client.workflow.execute(simulateInteractions, {
      taskQueue: TRENDS_TASK_QUEUE,
      workflowId: `simulate-interactions:e2e-burst-${burstStart}`,
      args: [{ eventsPerSecond: 1000, durationSeconds: 15, seed: 21, users: 200 }],
    });
    const burstEnd = Date.now();
    const expectedTop = Object.entries(burst.perAnimal).sort(([, a], [, b]) => b - a)[0]![0];
    const report = await waitFor<TrendReport>(
      'a trend report covering the burst',
      async () => {
        const latest = await client.workflow
          .getHandle(TREND_REPORT_LOOP_WORKFLOW_ID)
          .query(latestTrendReport);
        // Its window holds the whole burst, and the stream had counted all of it (on a loaded
        // machine Spark may be some batches behind when the first such report is built).
        const covers =
          latest &&
          Date.parse(latest.window.start) <= burstStart - 10_000 &&
          Date.parse(latest.window.end) >= burstEnd &&
          latest.viewsInWindow >= burst.eventsSent;
        return covers ? latest : undefined;
      },
      180_000,
    );
    assert.equal(
      `${report.topBreeds[0]?.tipo}/${report.topBreeds[0]?.raca}`,
      expectedTop,
      JSON.stringify(report),
    );
    assert.equal(report.freshness.stale, false);
    // The clicks name the catalog's animals (it holds the cycles' images): the report lists them
    // by their image names. (Some may count as unknown: an image stored since the job last read
    // the catalog, up to SPARK_CATALOG_REFRESH_SECONDS before.)
    assert.ok(report.topAnimals.length > 0, JSON.stringify(report));
    assert.ok(
      report.topAnimals.every((animal) => /^[a-z0-9-]+_\d{2,}$/.test(animal.nome)),
      JSON.stringify(report.topAnimals),
    );

    const running: string[] = [];
    for await (const workflow of client.workflow.list({ query: `ExecutionStatus = 'Running'` }))
      running.push(workflow.workflowId);
    for (const id of [IMAGE_LOOP_WORKFLOW_ID, TREND_REPORT_LOOP_WORKFLOW_ID, SIMULATION_ID])
      assert.ok(running.includes(id), id);
    const provision = await client.workflow.getHandle('provision:local').describe();
    assert.equal(provision.status.name, 'COMPLETED');
    const { count: cycles } = await client.workflow.count(`WorkflowType = 'imageCycle'`);
    assert.ok(cycles >= 2);
  },
);

test(
  'Ctrl-C stops everything; a second start resumes the same loops with nothing duplicated or lost',
  LONG,
  async () => {
    const loopRun = (await client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID).describe()).runId;
    const trendsRun = (await client.workflow.getHandle(TREND_REPORT_LOOP_WORKFLOW_ID).describe()).runId;
    const simulationRun = (await client.workflow.getHandle(SIMULATION_ID).describe()).runId;
    const cyclesBefore = (await loopStatus()).cyclesStarted;
    await client.connection.close();

    await stopMainJob();
    assert.equal(mainJob!.exitCode, 0, output.slice(-3000));
    assert.match(output, /Stopping the stack/);

    mainJob = startMainJob();
    await waitForLiveSummary();
    client = await connectTemporalClient(config.temporal);
    assert.equal((await client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID).describe()).runId, loopRun);
    assert.equal(
      (await client.workflow.getHandle(TREND_REPORT_LOOP_WORKFLOW_ID).describe()).runId,
      trendsRun,
    );
    assert.equal((await client.workflow.getHandle(SIMULATION_ID).describe()).runId, simulationRun);
    await waitFor(
      'a cycle after the restart',
      async () => {
        const status = await loopStatus();
        const completed = status.lastCycles.filter((cycle) => cycle.status === 'completed').length;
        return status.cyclesStarted > cyclesBefore &&
          status.lastCycles.at(-1)?.status === 'completed' &&
          completed > 0
          ? status
          : undefined;
      },
      180_000,
    );
    await assertRowsMatchObjects();

    // Stop the clicks, then the stream's counts must equal the distinct clicks in the topic.
    await client.workflow.getHandle(SIMULATION_ID).cancel();
    await client.workflow.getHandle(SIMULATION_ID).result();
    const distinct = await distinctClicksInTopic();
    const db = await connectMysql(config.mysql, config.mysql.readonly, { database: config.mysql.database });
    try {
      await waitFor(
        'the stream to count every click',
        async () => {
          const [rows] = await db.query<RowDataPacket[]>(
            `SELECT (SELECT COALESCE(SUM(visualizacoes), 0) FROM visualizacoes_10s) AS buckets,
                (SELECT COALESCE(SUM(visualizacoes), 0) FROM visualizacoes_hora) AS hours`,
          );
          return Number(rows[0]!.buckets) === distinct && Number(rows[0]!.hours) === distinct
            ? true
            : undefined;
        },
        180_000,
      );
    } finally {
      await db.end();
    }
  },
);

test(
  'Ctrl-C stops every service even when the output went to a pipe whose reader is gone (make run | tee)',
  LONG,
  async () => {
    // The reader of the job's output goes away first, as tee does on the same Ctrl-C.
    mainJob!.stdout!.destroy();
    mainJob!.stderr!.destroy();
    await stopMainJob();
    assert.equal(mainJob!.exitCode, 0);
    const status = spawnSync('infra/local/stack', ['status'], { env, encoding: 'utf8' });
    for (const service of ['temporal', 'mariadb', 'kafka', 's3', 'worker'])
      assert.match(status.stdout, new RegExp(`^${service}\\s+stopped\\s`, 'm'), status.stdout);
    assert.doesNotMatch(status.stdout, /healthy/, status.stdout);
    // What the stop said went to its log, since no one read its output.
    const stopLog = readFileSync(join(dataDir, 'logs', 'main-job-stop.log'), 'utf8');
    assert.match(stopLog, /\[stack\] temporal: stopped/);
  },
);

/** Reads the whole interactions topic: the number of distinct event ids in it. */
async function distinctClicksInTopic(): Promise<number> {
  const kafka = createKafka(config.kafka);
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(config.kafka.interactionsTopic);
  await admin.disconnect();
  const total = offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  const ids = new Set<string>();
  let read = 0;
  const consumer = kafka.consumer({ groupId: `e2e-reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: config.kafka.interactionsTopic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: ({ message }) => {
        ids.add(message.key!.toString());
        if (++read === total) resolve();
        return Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  return ids.size;
}
