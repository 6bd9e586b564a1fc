// The Spark job's `profile {json}` log lines (SPARK_PROFILE, spark-jobs/petadota_trends/profile.py)
// summed up for a span of a benchmark: per query, the median of each phase over its batches.
import { readFileSync } from 'node:fs';
import { median } from './stats';

interface ProfileRecord {
  kind: 'batch' | 'progress';
  at: number;
  query: string;
  batch: number;
  rows: number;
  ms: Record<string, number>;
  state?: Record<string, number>;
}

const PREFIX = 'profile ';

function records(log: string): ProfileRecord[] {
  const found: ProfileRecord[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const at = line.indexOf(PREFIX);
    if (at >= 0) found.push(JSON.parse(line.slice(at + PREFIX.length)) as ProfileRecord);
  }
  return found;
}

function medians(samples: Array<Record<string, number>>): Array<[string, number]> {
  const names = [...new Set(samples.flatMap((sample) => Object.keys(sample)))];
  return names.map((name) => [
    name,
    median(samples.map((sample) => sample[name]).filter((value) => value !== undefined)),
  ]);
}

const list = (pairs: Array<[string, number]>): string =>
  pairs.map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ');

/**
 * One line per query and kind for the records logged between `from` and `to` (ms since the
 * epoch), batches with rows only: the phases the job timed, then Spark's own durations.
 */
export function describeProfile(log: string, from: number, to: number): string[] {
  const inSpan = records(log).filter((record) => record.at >= from && record.at <= to && record.rows > 0);
  const lines: string[] = [];
  for (const query of [...new Set(inSpan.map((record) => record.query))].sort()) {
    const batches = inSpan.filter((record) => record.query === query && record.kind === 'batch');
    const progress = inSpan.filter((record) => record.query === query && record.kind === 'progress');
    const rows = median(progress.map((record) => record.rows));
    lines.push(
      `${query}: ${progress.length} batches, median ${rows.toFixed(0)} rows; median ms: ` +
        `foreachBatch phases [${list(medians(batches.map((record) => record.ms)))}]; ` +
        `Spark [${list(medians(progress.map((record) => record.ms)))}]` +
        (progress.some((record) => record.state?.rows)
          ? `; state [${list(medians(progress.map((record) => record.state ?? {})).filter(([name]) => name.endsWith('_ms')))}, ` +
            `rows ${median(progress.map((record) => record.state?.rows ?? 0)).toFixed(0)}]`
          : ''),
    );
  }
  return lines;
}
