// Several platform workers on the same task queues, as the stack runs them with WORKERS=N: worker
// processes (bin/petadota worker) among which Temporal spreads the image cycles' activities.
// Names and numbers are reserved in MariaDB, not in a process, so whichever worker stores an
// image, each breed's numbers run 1..n without a gap or a repeat, every row has its object, no
// source or content is stored twice, and no reservation is left behind.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { IMAGES_TASK_QUEUE, type ImageCycleSummary } from '../../contracts/images';
import { connectMysql } from '../../platform/clients';
import { auditCatalog, catalogProblems } from '../kit/catalog';
import { LocalPetApi } from '../../workers/pet-api/server';
import { type CliPlatform, startCliPlatform } from '../kit/cli-platform';
import { uniqueName } from '../kit/platform';
import { startWorkerProcess, stopWorkerProcess } from '../kit/worker-process';

const petApi = new LocalPetApi({ imageSize: 64 });
let platform: CliPlatform;
let db: Connection;
const processes: ChildProcess[] = [];

before(async () => {
  await petApi.start();
  platform = await startCliPlatform({ DOG_API_URL: petApi.dogApiUrl, CAT_API_URL: petApi.catApiUrl });
  const { config } = platform;
  db = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  for (let i = 0; i < 2; i++) processes.push(await startWorkerProcess(platform.client, platform.env));
});

after(async () => {
  for (const worker of processes) await stopWorkerProcess(worker);
  await db?.end();
  await platform?.stop();
  await petApi.stop();
});

test('cycles spread over several worker processes store each image once, numbered 1..n per breed', async () => {
  const { client, config } = platform;
  const handles = await Promise.all(
    Array.from({ length: 6 }, () =>
      client.workflow.start('imageCycle', {
        taskQueue: IMAGES_TASK_QUEUE,
        workflowId: uniqueName('images-cycle'),
        args: [{ dogs: 10, cats: 10, concurrency: 5 }],
      }),
    ),
  );
  const summaries = await Promise.all(handles.map((handle) => handle.result() as Promise<ImageCycleSummary>));

  // Every image asked for is stored, or skipped as a duplicate of one that is.
  const stored = summaries.flatMap((summary) => summary.stored);
  assert.deepEqual(
    summaries.flatMap((summary) => summary.rejected),
    [],
  );
  assert.equal(stored.length + summaries.reduce((sum, summary) => sum + summary.duplicates.length, 0), 120);
  assert.equal(new Set(stored.map((image) => image.nome)).size, stored.length);

  // More than one process did the work: the activities' start events name their workers.
  const identities = new Set<string>();
  for (const handle of handles) {
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const identity = event.activityTaskStartedEventAttributes?.identity;
      if (identity) identities.add(identity);
    }
  }
  assert.ok(identities.size >= 2, `activities ran on ${[...identities].join(', ')}`);

  const [rows] = await db.query<RowDataPacket[]>('SELECT nome FROM animais_disponiveis');
  assert.deepEqual(rows.map((row) => String(row.nome)).sort(), stored.map((image) => image.nome).sort());
  const audit = await auditCatalog(config);
  assert.equal(audit.rows, stored.length);
  assert.deepEqual(catalogProblems(audit), []);
});
