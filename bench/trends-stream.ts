// Benchmark of the click stream on this machine's real services: the simulator's throughput
// into Kafka, then the Spark trends job's sustained throughput and freshness (event time to the
// row visible in MySQL) at 1k clicks/s, 10k clicks/s and as fast as the simulator can send.
// Everything is isolated (topics, database, accounts, checkpoints) and removed at the end.
//
//   node --import tsx bench/trends-stream.ts [--seconds 30]
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RowDataPacket } from 'mysql2/promise';
import { createProvisioningActivities } from '../activities/provisioning';
import { BUILT_IN_ANIMALS } from '../activities/trends/clicks';
import { simulate, type SimulationPlan } from '../activities/trends/simulator';
import type { SimulationSummary } from '../contracts/trends';
import { createKafka, createMysqlPool, createS3Client } from '../workers/connections';
import { isolatedEnv, removeIsolatedPlatform } from '../test/support/isolated';
import { figure, percentile } from './stats';
import { loadConfig } from '../workers/config';

const { values: options } = parseArgs({ options: { seconds: { type: 'string', default: '30' } } });
const PHASE_SECONDS = Number(options.seconds);
const env = isolatedEnv();
const config = loadConfig(env);
const kafka = createKafka(config);
const readonly = createMysqlPool(config, config.mysql.readonly);
const sparkDir = mkdtempSync(join(tmpdir(), 'petadota-bench-spark-'));
const never = new AbortController().signal;
const quiet = { heartbeat: () => undefined, cancelled: never, log: () => undefined };

function send(topic: string, plan: Partial<SimulationPlan>): Promise<SimulationSummary> {
  return simulate(
    kafka,
    topic,
    [...BUILT_IN_ANIMALS],
    { eventsPerSecond: 1000, durationSeconds: 1, seed: 1, users: 500, ...plan },
    quiet,
  );
}

async function simulatorThroughput(): Promise<number> {
  const topic = `${config.kafka.interactionsTopic}-scratch`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  try {
    await send(topic, { eventsPerSecond: 1_000_000, durationSeconds: 0.05 }); // warm-up: 50,000
    const summary = await send(topic, { eventsPerSecond: 1_000_000, durationSeconds: 0.3 }); // 300,000
    return summary.eventsPerSecond;
  } finally {
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  }
}

function startSpark(): ChildProcess {
  const child = spawn(config.tools.python, ['-m', 'petadota_trends.job'], {
    env: {
      ...env,
      PYTHONPATH: 'spark-jobs',
      SPARK_CHECKPOINT_DIR: join(sparkDir, 'checkpoints'),
      SPARK_STATUS_FILE: join(sparkDir, 'status.json'),
      SPARK_UI_PORT: '4150',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', () => undefined);
  return child;
}

async function waitForSpark(): Promise<void> {
  const status = join(sparkDir, 'status.json');
  for (const deadline = Date.now() + 300_000; Date.now() < deadline;) {
    if (existsSync(status) && readFileSync(status, 'utf8').includes('"active": true')) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(
    `the Spark job did not become active; its status: ${existsSync(status) ? readFileSync(status, 'utf8') : 'none'}`,
  );
}

async function counted(): Promise<{ views: number; newest: Date | null }> {
  const [rows] = await readonly.query<RowDataPacket[]>(
    'SELECT COALESCE(SUM(visualizacoes), 0) AS views, MAX(ultimo_evento_em) AS newest FROM visualizacoes_10s',
  );
  return { views: Number(rows[0]!.views), newest: (rows[0]!.newest as Date | null) ?? null };
}

interface PhaseResult {
  label: string;
  sent: number;
  sendRate: number;
  sparkRate: number;
  freshness: number[];
  lagAtEnd: number;
  catchUpSeconds: number;
}

/** Sends at `rate` for the phase while sampling freshness, then waits until Spark has counted all. */
async function phase(label: string, rate: number): Promise<PhaseResult> {
  const before = await counted();
  const freshness: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { newest } = await counted();
      if (newest) freshness.push((Date.now() - newest.getTime()) / 1000);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  const started = Date.now();
  const summary = await send(config.kafka.interactionsTopic, {
    eventsPerSecond: rate,
    durationSeconds: PHASE_SECONDS,
    seed: rate,
  });
  const sendSeconds = (Date.now() - started) / 1000;
  sampling = false;
  await sampler;
  const atEnd = await counted();
  const target = before.views + summary.eventsSent;
  const waitStart = Date.now();
  let now = atEnd;
  while (now.views < target && Date.now() - waitStart < 300_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    now = await counted();
  }
  const total = (Date.now() - started) / 1000;
  return {
    label,
    sent: summary.eventsSent,
    sendRate: summary.eventsSent / sendSeconds,
    sparkRate: (now.views - before.views) / total,
    freshness,
    lagAtEnd: target - atEnd.views,
    catchUpSeconds: (Date.now() - waitStart) / 1000,
  };
}

async function main(): Promise<void> {
  console.log(
    `trends stream benchmark: topic ${config.kafka.interactionsTopic}, database ${config.mysql.database}`,
  );
  const s3 = createS3Client(config);
  const provisioning = createProvisioningActivities({ config, s3, kafka });
  await provisioning.applySchema();
  await provisioning.ensureAccounts();
  await provisioning.ensureTopics();
  s3.destroy();
  let spark: ChildProcess | undefined;
  const lines: string[] = [];
  try {
    console.log('\n1. simulator throughput into Kafka (300,000 clicks, as fast as it can)');
    const simulatorRate = await simulatorThroughput();
    lines.push(
      figure('simulator throughput', `${simulatorRate.toFixed(0)} clicks/s`, {
        text: '≥ 50,000/s',
        met: simulatorRate >= 50_000,
      }),
    );

    console.log('\n2. the Spark job: start (isolated checkpoints), then phases of', PHASE_SECONDS, 's');
    spark = startSpark();
    await waitForSpark();
    const results: PhaseResult[] = [];
    for (const [label, rate] of [
      ['1k/s', 1000],
      ['10k/s', 10_000],
      ['max', 1_000_000],
    ] as const) {
      process.stdout.write(`  phase ${label} …\n`);
      results.push(await phase(label, rate));
    }
    for (const result of results) {
      const p95 = percentile(result.freshness, 95);
      lines.push(
        figure(
          `${result.label}: sent ${result.sent} at ${result.sendRate.toFixed(0)}/s`,
          `Spark ${result.sparkRate.toFixed(0)} clicks/s; freshness p50 ${percentile(result.freshness, 50).toFixed(1)} s, p95 ${p95.toFixed(1)} s; lag at end ${result.lagAtEnd}, caught up in ${result.catchUpSeconds.toFixed(1)} s`,
          { text: 'freshness p95 ≤ 10 s', met: p95 <= 10 },
        ),
      );
    }
  } finally {
    if (spark && spark.exitCode === null) {
      const exited = new Promise((resolve) => spark!.once('exit', resolve));
      spark.kill('SIGTERM');
      await exited;
    }
    await readonly.end();
    await removeIsolatedPlatform(config);
    rmSync(sparkDir, { recursive: true, force: true });
  }
  console.log(`\nResults (${new Date().toISOString()}, this machine):`);
  for (const line of lines) console.log(`  ${line}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
