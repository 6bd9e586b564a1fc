// Time from `make run` (infra/local/main-job) to the first trend report, cold and warm, on a
// stack of its own (every port moved by 200, a data directory of its own) so the developer's
// stack keeps running beside it:
//   - cold: a fresh clone of this commit with empty caches (the project's cache, Go's module and
//     build caches, pip's, npm's and Maven's), so everything is downloaded and built again as on
//     a fresh machine; only the Debian packages and the toolchains are already there;
//   - warm: Ctrl-C, then the same command again on the kept caches and data.
// "First trend report" is the first `latestReport` of trends-loop that counts a click sent after
// the start, with top animals: clicks went through Kafka and Spark into MySQL and back out.
// --warm-only skips the cold run: this checkout and its caches, an empty data directory first.
//
//   node --import tsx bench/first-trend-report.ts [--warm-only]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { latestTrendReport } from '../contracts/trend-loop-messages';
import { TREND_REPORT_LOOP_WORKFLOW_ID } from '../contracts/trends';
import { loadConfig, resolveEnv } from '../platform/config';
import { connectTemporalClient } from '../platform/clients';
import { secondStackEnv } from '../test/kit/second-stack';
import { figure, printResults, runBenchmark } from './stats';

const { values: options } = parseArgs({ options: { 'warm-only': { type: 'boolean', default: false } } });
const REPO_ROOT = join(__dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'petadota-first-report-'));
const checkout = options['warm-only'] ? REPO_ROOT : join(scratch, 'repo');
const dataDir = join(scratch, 'data');
const caches = join(scratch, 'caches');
const env: Record<string, string> = {
  ...secondStackEnv(dataDir, 200),
  PET_APIS: 'auto',
  ...(options['warm-only']
    ? {}
    : {
        PETADOTA_CACHE_DIR: join(caches, 'petadota'),
        GOMODCACHE: join(caches, 'gomod'),
        GOCACHE: join(caches, 'gobuild'),
        PIP_CACHE_DIR: join(caches, 'pip'),
        npm_config_cache: join(caches, 'npm'),
        MAVEN_OPTS: `-Dmaven.repo.local=${join(caches, 'm2')}`,
      }),
};
const log = createWriteStream(join(scratch, 'main-job.log'));

function startMainJob(): ChildProcess {
  const child = spawn(join(checkout, 'infra', 'local', 'main-job'), [], {
    cwd: checkout,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGINT');
  await exited;
}

/** Seconds from the start of the main job to the first fresh report with top animals. */
async function timeToFirstReport(label: string): Promise<number> {
  const started = Date.now();
  const child = startMainJob();
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    for (;;) {
      if (exited)
        throw new Error(`${label}: the main job exited early; see ${join(scratch, 'main-job.log')}`);
      // Read again each time: the stack writes its local.env (addresses, secrets) once it is up.
      const report = await connectTemporalClient(loadConfig(resolveEnv(env)).temporal)
        .then(async (client) => {
          try {
            return await client.workflow.getHandle(TREND_REPORT_LOOP_WORKFLOW_ID).query(latestTrendReport);
          } finally {
            await client.connection.close();
          }
        })
        .catch(() => null);
      // Made by this start: a restarted loop still answers with the report it made before the stop.
      if (
        report &&
        // Clicks sent since this start went through Kafka and Spark: a restarted loop still has
        // the report it made before the stop, and that one may look fresh for a while.
        Date.parse(report.freshness.newestEventAt ?? '') > started &&
        report.topBreeds.length > 0
      ) {
        const seconds = (Date.now() - started) / 1000;
        console.log(`  ${label}: first report (tick ${report.tick}) after ${seconds.toFixed(0)} s`);
        return seconds;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    await stop(child);
  }
}

async function main(): Promise<void> {
  const lines: string[] = [];
  let succeeded = false;
  try {
    if (options['warm-only']) {
      lines.push(
        figure(
          'warm caches, empty data: make run to first trend report',
          `${(await timeToFirstReport('warm, empty data')).toFixed(0)} s`,
        ),
      );
    } else {
      execFileSync('git', ['clone', '--quiet', REPO_ROOT, checkout]);
      console.log(`cold: a fresh clone in ${checkout}, empty caches in ${caches}`);
      lines.push(
        figure('cold: make run to first trend report', `${(await timeToFirstReport('cold')).toFixed(0)} s`),
      );
    }
    lines.push(
      figure(
        'warm restart (data kept): make run to first trend report',
        `${(await timeToFirstReport('warm restart')).toFixed(0)} s`,
      ),
    );
    succeeded = true;
  } finally {
    execFileSync(join(checkout, 'infra', 'local', 'stack'), ['down'], { env, stdio: 'ignore' });
    log.end();
    // Kept after a failure: the main job's output is in main-job.log there.
    if (succeeded) rmSync(scratch, { recursive: true, force: true });
    else console.error(`kept ${scratch} (main-job.log)`);
  }
  printResults(lines);
}

runBenchmark(main);
