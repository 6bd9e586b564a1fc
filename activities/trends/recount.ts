// The recount of a range of trend tables from the Parquet archive: the Spark batch job
// petadota_trends.recount as a child process of the activity, which heartbeats while it runs.
import { join } from 'node:path';
import type { RecountSummary, RecountTrendsInput } from '../../contracts/trends';
import { REPO_ROOT } from '../../platform/settings';
import { runCommand } from '../command';

/** How the worker runs the Spark job: its Python (with PySpark) and the job's environment. */
export interface RecountJob {
  python: string;
  env: NodeJS.ProcessEnv;
}

// The job's exit status 1: it failed, and a later run may not (MySQL or the store down, the
// archive behind the counts); 2: the range or a setting is wrong.
const RETRYABLE_EXIT = 1;

export async function recountRange(job: RecountJob, range: RecountTrendsInput): Promise<RecountSummary> {
  const lines = await runCommand(
    job.python,
    ['-m', 'petadota_trends.recount', '--from', range.from, '--to', range.to],
    {
      cwd: REPO_ROOT,
      env: {
        ...job.env,
        PYTHONPATH: `${join(REPO_ROOT, 'spark-jobs')}:${join(REPO_ROOT, 'platform', 'python')}`,
      },
      retryableExitCodes: [RETRYABLE_EXIT],
    },
  );
  // Its stdout is one line, the summary; the log lines around it are on stderr.
  const summary = [...lines].reverse().find((line) => line.startsWith('{"start"'));
  if (!summary)
    throw new Error(
      `petadota_trends.recount printed no summary; last lines:\n${lines.slice(-10).join('\n')}`,
    );
  return JSON.parse(summary) as RecountSummary;
}
