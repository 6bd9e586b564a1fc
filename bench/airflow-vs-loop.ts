// The image work driven both ways in one run, on this machine's real services: Airflow's 30-second
// DAG `pet_adota_imagens` running one imageCycle per DAG run (the Variable
// pet_adota_imagens_run_cycle set to true), and the Temporal loop images-loop, side by side for
// --minutes. Prints, for each way:
//   - start delay: when the cycle workflow started, minus the moment its run was due (the loop's
//     tick on the 30-second grid; the DAG run's `run_after`, Airflow's own 30-second grid);
//   - per-run overhead: from that due moment until the driver knew the cycle was done (the loop's
//     ChildWorkflowExecutionCompleted event; the end of the Airflow task), minus the cycle's own
//     execution time. It is what the driver adds to each run.
// Everything is isolated: a Temporal namespace, database, bucket, the local pet API (~100 KB
// JPEGs), and the stack's own `airflow` service on a data directory and port of its own.
//
//   node --import tsx bench/airflow-vs-loop.ts [--minutes 10]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import type { Client } from '@temporalio/client';
import { IMAGE_LOOP_WORKFLOW_ID, IMAGES_TASK_QUEUE } from '../contracts/images';
import { imageLoop } from '../workflows';
import { freePort } from '../test/kit/free-port';
import { startImagePlatform } from './image-platform';
import { figure, percentile, runBenchmark } from './stats';

const { values: options } = parseArgs({ options: { minutes: { type: 'string', default: '10' } } });
const MINUTES = Number(options.minutes);
const DAG_ID = 'pet_adota_imagens';
const STACK = join(__dirname, '..', 'infra', 'local', 'stack');

/** One cycle run by a driver: when it was due, when the cycle ran, when the driver knew it ended. */
interface DrivenRun {
  dueMs: number;
  cycleStartMs: number;
  cycleCloseMs: number;
  doneMs: number;
}

const ms = (time: Date | null | undefined): number => (time ? time.getTime() : Number.NaN);
const eventMs = (time: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  Number(time?.seconds ?? 0) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);
const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

/** The stack's `airflow` service on a data directory of its own, and its REST API. */
class BenchAirflow {
  private token = '';
  readonly url: string;

  constructor(
    private readonly env: Record<string, string>,
    private readonly dataDir: string,
    port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Asynchronous: the benchmark's worker runs in this process and must keep polling meanwhile. */
  stack(...args: string[]): Promise<void> {
    const child = spawn(STACK, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new Promise((resolve, reject) =>
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`stack ${args.join(' ')} failed (${code}):\n${output}`)),
      ),
    );
  }

  /** Waits until the DAG processor has serialised the DAG. */
  async waitForDag(dagId: string): Promise<void> {
    for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(1000)) {
      const response = await fetch(`${this.url}/api/v2/dags/${dagId}`, {
        headers: { Authorization: `Bearer ${this.token}` },
      });
      if (response.ok) return;
    }
    throw new Error(`Airflow did not parse ${dagId} within 3 minutes`);
  }

  async login(): Promise<void> {
    const secrets = parseEnv(readFileSync(join(this.dataDir, 'secrets.env'), 'utf8'));
    const response = await fetch(`${this.url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: secrets.AIRFLOW_ADMIN_PASSWORD }),
    });
    if (!response.ok) throw new Error(`Airflow login refused: HTTP ${response.status}`);
    this.token = ((await response.json()) as { access_token: string }).access_token;
  }

  /** One REST call; a 5xx is retried a few times (SQLite answers "database is locked" under load). */
  async api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${this.url}/api/v2${path}`, {
        method: init.method ?? 'GET',
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      if (response.ok) return (await response.json()) as T;
      const detail = `Airflow ${path}: HTTP ${response.status} ${await response.text()}`;
      if (response.status < 500 || attempt === 5) throw new Error(detail);
      console.log(`  ${detail}; retrying`);
      await sleep(1000 * attempt);
    }
  }
}

interface AirflowDagRun {
  dag_run_id: string;
  run_type: string;
  run_after: string;
  state: string;
}
interface AirflowTaskInstance {
  state: string | null;
  start_date: string | null;
  end_date: string | null;
}

/** The cycles the loop started: due at its tick, done when its ChildWorkflowExecutionCompleted arrived. */
async function loopRuns(client: Client): Promise<DrivenRun[]> {
  const history = await client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID).fetchHistory();
  const completed = new Map<string, number>();
  for (const event of history.events ?? []) {
    const attributes = event.childWorkflowExecutionCompletedEventAttributes;
    if (attributes) completed.set(attributes.workflowExecution!.workflowId!, eventMs(event.eventTime));
  }
  const runs: DrivenRun[] = [];
  for (const [workflowId, doneMs] of completed) {
    const cycle = await client.workflow.getHandle(workflowId).describe();
    runs.push({
      dueMs: Date.parse(workflowId.replace('images-cycle:', '')),
      cycleStartMs: ms(cycle.startTime),
      cycleCloseMs: ms(cycle.closeTime),
      doneMs,
    });
  }
  return runs;
}

/** The cycles the DAG ran: due at the run's run_after, done when its run_image_cycle task ended. */
async function airflowRuns(airflow: BenchAirflow, client: Client): Promise<DrivenRun[]> {
  const { dag_runs: dagRuns } = await airflow.api<{ dag_runs: AirflowDagRun[] }>(
    `/dags/${DAG_ID}/dagRuns?limit=1000&order_by=run_after`,
  );
  const runs: DrivenRun[] = [];
  for (const run of dagRuns.filter((candidate) => candidate.run_type === 'scheduled')) {
    const task = await airflow.api<AirflowTaskInstance>(
      `/dags/${DAG_ID}/dagRuns/${encodeURIComponent(run.dag_run_id)}/taskInstances/run_image_cycle`,
    );
    if (task.state !== 'success') continue;
    // The task returns the workflow ID it ran (the bridge derives it from the DAG run).
    const xcom = await airflow.api<{ value: unknown }>(
      `/dags/${DAG_ID}/dagRuns/${encodeURIComponent(run.dag_run_id)}/taskInstances/run_image_cycle/xcomEntries/return_value`,
    );
    const value = (typeof xcom.value === 'string' ? JSON.parse(xcom.value) : xcom.value) as {
      workflowId: string;
    };
    const cycle = await client.workflow.getHandle(value.workflowId).describe();
    runs.push({
      dueMs: Date.parse(run.run_after),
      cycleStartMs: ms(cycle.startTime),
      cycleCloseMs: ms(cycle.closeTime),
      doneMs: Date.parse(task.end_date!),
    });
  }
  return runs;
}

function report(name: string, runs: DrivenRun[], windowStart: number, windowEnd: number): string[] {
  const inWindow = runs.filter((run) => run.dueMs >= windowStart && run.dueMs < windowEnd);
  const delays = inWindow.map((run) => (run.cycleStartMs - run.dueMs) / 1000);
  const overheads = inWindow.map(
    (run) => (run.doneMs - run.dueMs - (run.cycleCloseMs - run.cycleStartMs)) / 1000,
  );
  const durations = inWindow.map((run) => (run.cycleCloseMs - run.cycleStartMs) / 1000);
  const phase = inWindow.length > 0 ? ((inWindow[0]!.dueMs % 30_000) / 1000).toFixed(3) : '-';
  const triple = (samples: number[]): string =>
    `p50 ${percentile(samples, 50).toFixed(3)} s, p95 ${percentile(samples, 95).toFixed(3)} s, max ${Math.max(...samples).toFixed(3)} s`;
  return [
    figure(`${name}: cycles run`, `${inWindow.length} (its grid is offset ${phase} s from :00 and :30)`),
    figure(`${name}: start delay from its grid`, triple(delays)),
    figure(`${name}: per-run overhead`, triple(overheads)),
    figure(`${name}: the cycle itself (20 images)`, `p50 ${percentile(durations, 50).toFixed(3)} s`),
  ];
}

async function main(): Promise<void> {
  const platform = await startImagePlatform('airflow-vs-loop');
  const { env, client } = platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'petadota-bench-airflow-'));
  const airflowPort = await freePort();
  const airflow = new BenchAirflow(
    {
      ...env,
      PETADOTA_DATA_DIR: dataDir,
      PETADOTA_LOG_DIR: join(dataDir, 'logs'),
      AIRFLOW_PORT: String(airflowPort),
      AIRFLOW_VAR_PET_ADOTA_IMAGENS_RUN_CYCLE: 'true',
    },
    dataDir,
    airflowPort,
  );
  const lines: string[] = [];
  try {
    // Started before Airflow comes up; the DAG's ensure_image_loop then joins it, as in production.
    await client.workflow.start(imageLoop, {
      taskQueue: IMAGES_TASK_QUEUE,
      workflowId: IMAGE_LOOP_WORKFLOW_ID,
      args: [{ cycle: { dogs: 10, cats: 10 } }],
    });
    console.log('starting Airflow (infra/local/stack up airflow, its own data directory and port)…');
    await airflow.stack('up', 'airflow');
    await airflow.login();
    await airflow.waitForDag('pet_adota_tendencias');
    // Only the image DAG runs: the trends DAG would fail here (no trends-loop) and add load.
    await airflow.api('/dags/pet_adota_tendencias', { method: 'PATCH', body: { is_paused: true } });
    for (;;) {
      const { dag_runs: runs } = await airflow.api<{ dag_runs: AirflowDagRun[] }>(
        `/dags/${DAG_ID}/dagRuns?limit=1`,
      );
      if (runs.length > 0) break;
      await sleep(1000);
    }
    const windowStart = Date.now() + 5000;
    const windowEnd = windowStart + MINUTES * 60_000;
    console.log(`both drivers running; measuring until ${new Date(windowEnd).toISOString()}`);
    for (let minute = 1; minute <= MINUTES; minute++) {
      await sleep(60_000);
      console.log(`  ${minute}/${MINUTES} min`);
    }
    await sleep(windowEnd - Date.now() + 20_000); // the last cycles due in the window finish
    await airflow.api(`/dags/${DAG_ID}`, { method: 'PATCH', body: { is_paused: true } });

    lines.push(...report('Temporal loop', await loopRuns(client), windowStart, windowEnd));
    lines.push(...report('Airflow DAG', await airflowRuns(airflow, client), windowStart, windowEnd));
  } finally {
    await airflow.stack('down', 'airflow').catch((error: unknown) => console.error(error));
    await client.workflow
      .getHandle(IMAGE_LOOP_WORKFLOW_ID)
      .terminate('benchmark over')
      .catch(() => undefined);
    await platform.remove();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`\nResults over ${MINUTES} minutes (${new Date().toISOString()}, this machine):`);
  for (const line of lines) console.log(`  ${line}`);
}

runBenchmark(main);
