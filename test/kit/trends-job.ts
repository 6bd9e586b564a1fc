// The trends Spark job as a child process of a test or a benchmark, on the topics and database of
// the environment it is given, with checkpoints and status file in a directory of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig } from '../../platform/config';
import { REPO_ROOT } from '../../platform/settings';

/** The streaming query that counts (spark-jobs/petadota_trends/job.py); `archive` is the other. */
const TRENDS_QUERY = 'trends';

export interface TrendsJob {
  child: ChildProcess;
  /**
   * Resolves once the job has processed every record of `topic` up to the given ends (partition
   * to the offset after the last record), by the end offsets of its latest micro-batch.
   */
  processed(topic: string, ends: Record<number, number>, timeoutMs?: number): Promise<void>;
  /** Resolves once every streaming query of the job is active and the counting one has run a batch. */
  active(timeoutMs?: number): Promise<void>;
  /** SIGTERM: the job finishes the batch in flight and exits. */
  stop(): Promise<void>;
}

export function startTrendsJob(
  env: Record<string, string>,
  options: { dir: string; uiPort: number; log?: string; extra?: Record<string, string> },
): TrendsJob {
  const status = join(options.dir, 'status.json');
  const child = spawn(loadConfig(env).tools.python, ['-m', 'petadota_trends.job'], {
    cwd: REPO_ROOT,
    env: {
      ...env,
      PYTHONPATH: `${join(REPO_ROOT, 'spark-jobs')}:${join(REPO_ROOT, 'platform', 'python')}`,
      SPARK_CHECKPOINT_DIR: join(options.dir, 'checkpoints'),
      SPARK_STATUS_FILE: status,
      SPARK_UI_PORT: String(options.uiPort),
      ...options.extra,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Its log (a line per micro-batch and query) only when asked for.
  if (options.log) child.stderr.pipe(createWriteStream(options.log, { flags: 'a' }));
  else child.stderr.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    async active(timeoutMs = 300_000) {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
        if (child.exitCode !== null) throw new Error(`the Spark job exited with ${child.exitCode}`);
        if (existsSync(status)) {
          const written = JSON.parse(readFileSync(status, 'utf8')) as {
            pid: number;
            state: string;
            queries: Record<string, { active: boolean; last_batch?: unknown }>;
          };
          const queries = Object.values(written.queries);
          // Warm: the counting query has run a batch in this run (the first, with the JVM cold and
          // the catalog to read, takes seconds longer than the next ones).
          if (
            written.pid === child.pid &&
            queries.length > 0 &&
            queries.every((query) => query.active) &&
            written.queries[TRENDS_QUERY]?.last_batch
          )
            return;
        }
        await delay(1000);
      }
      throw new Error(
        `the Spark job did not become active; its status: ${existsSync(status) ? readFileSync(status, 'utf8') : 'none'}`,
      );
    },
    async processed(topic, ends, timeoutMs = 120_000) {
      for (const deadline = Date.now() + timeoutMs; ;) {
        const written = existsSync(status)
          ? (JSON.parse(readFileSync(status, 'utf8')) as {
              queries: Record<string, { last_batch?: { end_offsets: string[] } | null }>;
            })
          : undefined;
        // The counting query's progress (the archive query has its own, on a slower trigger).
        const reached = (written?.queries[TRENDS_QUERY]?.last_batch?.end_offsets ?? []).some((source) => {
          const offsets = (JSON.parse(source) as Record<string, Record<string, number>>)[topic] ?? {};
          return Object.entries(ends).every(([partition, end]) => (offsets[partition] ?? 0) >= end);
        });
        if (reached) return;
        if (Date.now() > deadline)
          throw new Error(`the Spark job did not reach ${JSON.stringify(ends)} of ${topic}`);
        await delay(500);
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
