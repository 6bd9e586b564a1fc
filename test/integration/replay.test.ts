// bin/petadota replay on the real broker: CSV and NDJSON files with bad lines. Exactly the good
// lines are sent, each bad one is reported with its line number and reason, the summary counts
// them, and a second replay of the same files sends the same event ids (the stream counts once).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { replayEventId, fileDigest } from '../../activities/trends/click-files';
import type { InteractionEvent } from '../../contracts/trends';
import { loadConfig } from '../../platform/config';
import { isolatedEnv, provisionIsolatedPlatform, removeIsolatedPlatform } from '../kit/isolated';
import { readTopic } from '../kit/topic';

const dir = mkdtempSync(join(tmpdir(), 'petadota-replay-'));
const env = isolatedEnv();
const config = loadConfig(env);
const at = '2026-11-22T14:03:07.125Z';

before(() => provisionIsolatedPlatform(config, { topics: true }));
after(async () => {
  await removeIsolatedPlatform(config);
  rmSync(dir, { recursive: true, force: true });
});

async function replay(...files: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('bin/petadota', ['replay', ...files], {
      env,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function inTopic(): Promise<InteractionEvent[]> {
  return (await readTopic(config.kafka, config.kafka.interactionsTopic)).map(
    (message) => JSON.parse(message.value!) as InteractionEvent,
  );
}

test('good lines are sent, every bad line is reported by number, and a second replay sends the same ids', async () => {
  const csv = join(dir, 'clicks.csv');
  writeFileSync(
    csv,
    [
      'event_id,usuario_id,raca,tipo,timestamp,animal_id',
      `00000000-0000-4000-8000-000000000001,42,labrador,cachorro,${at},7`,
      `,v-visitor_1,persa,gato,${at},`,
      `00000000-0000-4000-8000-000000000003,43,Labrador,cachorro,${at},`,
      `00000000-0000-4000-8000-000000000004,44,beagle,peixe,${at},`,
      `00000000-0000-4000-8000-000000000005,45,beagle,cachorro`,
      `"00000000-0000-4000-8000-000000000006",46,"pastor-alemao",cachorro,${at},`,
    ].join('\n') + '\n',
  );
  const ndjson = join(dir, 'clicks.ndjson');
  writeFileSync(
    ndjson,
    [
      JSON.stringify({
        event_id: '00000000-0000-4000-8000-000000000011',
        usuario_id: 7,
        raca: 'siames',
        tipo: 'gato',
        timestamp: at,
      }),
      '{"event_id": "broken"',
      '',
      JSON.stringify({ usuario_id: 8, raca: 'siames', tipo: 'gato', timestamp: at }),
      JSON.stringify({ usuario_id: 9, raca: 'siames', tipo: 'gato', timestamp: at, extra: 1 }),
    ].join('\n'),
  );

  const first = await replay(csv, ndjson);
  assert.equal(first.code, 1, first.stderr);
  const reported = first.stderr.split('\n').filter((line) => line.startsWith(dir));
  assert.deepEqual(reported, [
    `${csv}:4: raca: must match pattern "^[a-z0-9]+(-[a-z0-9]+)*$"`,
    `${csv}:5: tipo: must be equal to one of the allowed values`,
    `${csv}:6: (line): Invalid Record Length: columns length is 6, got 4 on line 6`,
    `${ndjson}:2: (event): is not JSON`,
    `${ndjson}:5: extra: must NOT have additional properties`,
  ]);
  assert.match(first.stdout, /^clicks\.csv: 6 lines, 3 sent to \S+, 3 invalid$/m);
  assert.match(first.stdout, /^clicks\.ndjson: 4 lines, 2 sent to \S+, 2 invalid$/m);
  assert.match(first.stdout, /^replayed 5 clicks from 2 file\(s\); 5 invalid line\(s\) not sent$/m);

  // Exactly the good lines, typed as the contract says; the ones without an id got the replay's.
  const csvDigest = await fileDigest(csv);
  const ndjsonDigest = await fileDigest(ndjson);
  const sent = await inTopic();
  assert.deepEqual(
    sent.map((event) => event.event_id).sort(),
    [
      '00000000-0000-4000-8000-000000000001',
      replayEventId(csvDigest, 3),
      '00000000-0000-4000-8000-000000000006',
      '00000000-0000-4000-8000-000000000011',
      replayEventId(ndjsonDigest, 4),
    ].sort(),
  );
  const byId = new Map(sent.map((event) => [event.event_id, event]));
  assert.deepEqual(byId.get('00000000-0000-4000-8000-000000000001'), {
    event_id: '00000000-0000-4000-8000-000000000001',
    usuario_id: 42,
    raca: 'labrador',
    tipo: 'cachorro',
    timestamp: at,
    animal_id: 7,
  });
  assert.equal(byId.get(replayEventId(csvDigest, 3))!.usuario_id, 'v-visitor_1');

  // The same files again: the same ids, which the stream counts once.
  const second = await replay(csv, ndjson);
  assert.equal(second.code, 1);
  const twice = await inTopic();
  assert.equal(twice.length, 10);
  assert.deepEqual(new Set(twice.map((event) => event.event_id)), new Set(byId.keys()));
});

test('a file with a column the contract does not have, or of an unknown format, is refused whole', async () => {
  const csv = join(dir, 'other.csv');
  writeFileSync(csv, `event_id,pagina\n00000000-0000-4000-8000-000000000001,home\n`);
  const refused = await replay(csv);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /other\.csv: column\(s\) pagina are not in the contract/);
  const unknown = await replay(join(dir, 'clicks.txt'));
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /clicks\.txt: say its format with --format \(csv or ndjson\)/);
});
