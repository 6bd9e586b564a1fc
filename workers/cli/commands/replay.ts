// `bin/petadota replay FILE…`: click events from NDJSON or CSV files through the one contract and
// the idempotent producer (or the site's collector), with a progress bar and a summary. Every
// invalid line is reported with its line number and reason, and nothing is sent for it.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeClicks } from '../../../activities/trends/click-batches';
import {
  type ClickSender,
  collectorSender,
  kafkaSender,
  SendAbandoned,
} from '../../../activities/trends/click-senders';
import {
  type ClickFileFormat,
  ClickFileError,
  formatOf,
  readClickFile,
} from '../../../activities/trends/click-files';
import type { InteractionEvent } from '../../../contracts/trends';
import type { PlatformConfig } from '../../../platform/config';
import { interruption } from '../interrupt';
import { UsageError } from '../usage';

export const REPLAY_USAGE = `  replay FILE… [--format csv|ndjson] [--via kafka|collector]
                                  send the click events of NDJSON or CSV files (a header of the
                                  contract's fields) to Kafka, or through the site's collector;
                                  every invalid line is reported and not sent; exit code 1 then`;

interface FileSummary {
  file: string;
  lines: number;
  sent: number;
  invalid: number;
}

/** A bar on a terminal; a line every few seconds otherwise. */
function progress(total: number): (read: number, summary: FileSummary) => void {
  let last = 0;
  const terminal = process.stderr.isTTY;
  return (read, summary) => {
    const now = Date.now();
    if (now - last < (terminal ? 100 : 2000) && read < total) return;
    last = now;
    const share = total > 0 ? Math.min(1, read / total) : 1;
    const text = `${summary.file}: ${(share * 100).toFixed(0)}%, ${summary.lines} lines, ${summary.sent} sent, ${summary.invalid} invalid`;
    if (terminal) {
      const width = 24;
      const done = Math.round(share * width);
      process.stderr.write(`\r[${'#'.repeat(done)}${' '.repeat(width - done)}] ${text}\x1b[K`);
    } else {
      process.stderr.write(`  … ${text}\n`);
    }
  };
}

async function replayFile(file: string, format: ClickFileFormat, sender: ClickSender): Promise<FileSummary> {
  const summary: FileSummary = { file: basename(file), lines: 0, sent: 0, invalid: 0 };
  const total = statSync(file).size;
  let read = 0;
  const show = progress(total);
  let batch: InteractionEvent[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    try {
      await sender.send(encodeClicks(batch));
      summary.sent += batch.length;
    } catch (error) {
      // Ctrl-C while the collector could not take the batch: not sent, not counted as sent.
      if (!(error instanceof SendAbandoned)) throw error;
    }
    batch = [];
  };
  for await (const line of readClickFile(file, format, (bytes) => (read += bytes))) {
    if (interruption.aborted) break;
    summary.lines += 1;
    if ('problems' in line) {
      summary.invalid += 1;
      const reasons = line.problems.map((problem) => `${problem.field}: ${problem.reason}`).join('; ');
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      console.error(`${file}:${line.line}: ${reasons}`);
    } else {
      batch.push(line.event);
      if (batch.length >= sender.batchSize) await flush();
    }
    show(read, summary);
  }
  await flush();
  show(total, summary);
  if (process.stderr.isTTY) process.stderr.write('\n');
  return summary;
}

export async function replay(config: PlatformConfig, args: string[]): Promise<number> {
  const { values, positionals: files } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string' }, via: { type: 'string', default: 'kafka' } },
  });
  if (files.length === 0) throw new UsageError('replay needs at least one file');
  if (values.format !== undefined && values.format !== 'csv' && values.format !== 'ndjson')
    throw new UsageError(`--format must be csv or ndjson, got '${values.format}'`);
  if (values.via !== 'kafka' && values.via !== 'collector')
    throw new UsageError(`--via must be kafka or collector, got '${values.via}'`);
  const formats = files.map((file) => {
    const format = (values.format as ClickFileFormat | undefined) ?? formatOf(file);
    if (!format) throw new UsageError(`${file}: say its format with --format (csv or ndjson)`);
    return format;
  });
  const sender =
    values.via === 'collector' ? collectorSender(config.site.url, interruption) : kafkaSender(config.kafka);
  const summaries: FileSummary[] = [];
  await sender.open();
  try {
    for (const [index, file] of files.entries()) {
      summaries.push(await replayFile(file, formats[index]!, sender));
    }
  } catch (error) {
    if (error instanceof ClickFileError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  } finally {
    await sender.close();
  }
  const where =
    values.via === 'collector' ? `the collector at ${config.site.url}` : config.kafka.interactionsTopic;
  for (const summary of summaries) {
    console.log(
      `${summary.file}: ${summary.lines} lines, ${summary.sent} sent to ${where}, ${summary.invalid} invalid`,
    );
  }
  const invalid = summaries.reduce((sum, summary) => sum + summary.invalid, 0);
  const sent = summaries.reduce((sum, summary) => sum + summary.sent, 0);
  console.log(
    `replayed ${sent} clicks from ${summaries.length} file(s); ${invalid} invalid line(s) not sent`,
  );
  if (interruption.aborted) console.error('stopped early: the clicks sent so far are in Kafka');
  return invalid > 0 || interruption.aborted ? 1 : 0;
}
