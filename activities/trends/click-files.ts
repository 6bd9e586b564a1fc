// Click events from files: NDJSON (one event per line) or CSV with a header of the contract's
// fields, as the sibling pipeline's producer reads them. Each line becomes an event checked
// against the one contract, or the reasons it is not one. A line without an event_id gets one
// derived from the file's content and the line's number, so replaying the same file again adds
// nothing the stream has counted.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import type { InteractionEvent } from '../../contracts/trends';
import { type EventProblem, interactionEventProblems } from './events';

export type ClickFileFormat = 'csv' | 'ndjson';

/** One line of a file: the event it holds, or why it holds none. */
export type ClickLine =
  { line: number; event: InteractionEvent } | { line: number; problems: EventProblem[] };

/** A file the replay cannot read at all: unknown format, no header, a column not in the contract. */
export class ClickFileError extends Error {
  override readonly name = 'ClickFileError';
}

const FIELDS = ['event_id', 'usuario_id', 'raca', 'tipo', 'timestamp', 'animal_id'];

export function formatOf(path: string): ClickFileFormat | undefined {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(nd)?jsonl?$/i.test(path)) return 'ndjson';
  return undefined;
}

/** sha256 of the file, read as a stream. */
export async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A UUID (version 8: custom) from the file's digest and a line number: the same for every replay. */
export function replayEventId(digest: string, line: number): string {
  const hex = createHash('sha256').update(`${digest}:${line}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function checked(value: unknown, line: number, digest: string): ClickLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, problems: [{ field: '(event)', reason: 'must be a JSON object' }] };
  }
  const event: Record<string, unknown> = { ...value };
  if (!('event_id' in event)) event.event_id = replayEventId(digest, line);
  const problems = interactionEventProblems(event);
  return problems.length > 0 ? { line, problems } : { line, event: event as unknown as InteractionEvent };
}

/** A CSV cell as the contract's value: numbers for the numeric ids, nothing for an empty cell. */
function csvValue(field: string, cell: string): unknown {
  if (cell === '') return undefined;
  if ((field === 'usuario_id' || field === 'animal_id') && /^[0-9]{1,15}$/.test(cell)) return Number(cell);
  return cell;
}

/** Counts the bytes read, for a progress bar. */
function counting(onBytes: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

export async function* readClickFile(
  path: string,
  format: ClickFileFormat,
  onBytes: (bytes: number) => void = () => undefined,
): AsyncGenerator<ClickLine> {
  const digest = await fileDigest(path);
  const input = createReadStream(path).pipe(counting(onBytes));
  if (format === 'ndjson') {
    let line = 0;
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line += 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        yield { line, problems: [{ field: '(event)', reason: 'is not JSON' }] };
        continue;
      }
      yield checked(value, line, digest);
    }
    return;
  }
  // A malformed record (a wrong number of cells, an unclosed quote) is reported by its line and
  // skipped; the parser goes on with the next one.
  const skipped: ClickLine[] = [];
  const parser = input.pipe(
    parse({
      columns: true,
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      bom: true,
      trim: true,
    }),
  );
  let header: string[] | undefined;
  parser.on('skip', (error: Error & { lines?: number }) => {
    skipped.push({ line: error.lines ?? 0, problems: [{ field: '(line)', reason: error.message }] });
  });
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    if (!header) {
      header = Object.keys(record);
      const unknown = header.filter((column) => !FIELDS.includes(column));
      if (unknown.length > 0) {
        throw new ClickFileError(
          `${path}: column(s) ${unknown.join(', ')} are not in the contract (its fields: ${FIELDS.join(', ')})`,
        );
      }
    }
    // The parser reads ahead: the malformed lines before this record come first, in order.
    while (skipped.length > 0 && skipped[0]!.line < info.lines) yield skipped.shift()!;
    const value: Record<string, unknown> = {};
    for (const [field, cell] of Object.entries(record)) {
      const parsed = csvValue(field, cell);
      if (parsed !== undefined) value[field] = parsed;
    }
    yield checked(value, info.lines, digest);
  }
  yield* skipped.splice(0);
}
