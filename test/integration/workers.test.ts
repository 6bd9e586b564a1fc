// Several platform workers on the same task queues, as the stack runs them with WORKERS=N: worker
// processes (bin/petadota worker) among which Temporal spreads the image cycles' activities.
// Names and numbers are reserved in MariaDB, not in a process, so whichever worker stores an
// image, each breed's numbers run 1..n without a gap or a repeat, every row has its object, no
// source or content is stored twice, and no reservation is left behind.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { temporal } from '@temporalio/proto';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { IMAGES_TASK_QUEUE, type ImageCycleSummary } from '../../contracts/images';
import { connectMysql } from '../../platform/clients';
import { auditCatalog, catalogProblems } from '../kit/catalog';
import { LocalPetApi } from '../../workers/pet-api/server';
import { type CliPlatform, startCliPlatform } from '../kit/cli-platform';
import { uniqueName } from '../kit/platform';

const petApi = new LocalPetApi({ imageSize: 64 });
let platform: CliPlatform;
let db: Connection;
const processes: ChildProcess[] = [];

/** Waits until Temporal lists the process among the pollers of the images task queue. */
async function polling(pid: number): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await delay(250)) {
    const { pollers } = await platform.client.workflowService.describeTaskQueue({
      namespace: platform.namespace,
      taskQueue: { name: IMAGES_TASK_QUEUE },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    if (pollers.some((poller) => poller.identity?.startsWith(`${pid}@`))) return;
  }
  assert.fail(`worker process ${pid} never polled ${IMAGES_TASK_QUEUE}`);
}

before(async () => {
  await petApi.start();
  platform = await startCliPlatform({ DOG_API_URL: petApi.dogApiUrl, CAT_API_URL: petApi.catApiUrl });
  const { config } = platform;
  db = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  for (let i = 0; i < 2; i++) {
    const worker = spawn('bin/petadota', ['worker'], { env: platform.env, stdio: 'ignore' });
    processes.push(worker);
    await polling(worker.pid!);
  }
});

after(async () => {
  for (const worker of processes) {
    if (worker.exitCode !== null) continue;
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  }
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
