// The operators' commands for the image pipeline, run for real: `bin/petadota images …`, and
// the README's tctl / temporal CLI commands with plain JSON, against the dev server and the
// platform's own worker code. A namespace of their own keeps the fixed ID images-loop apart
// from the loop of a running platform; an isolated database and bucket keep the data apart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { RowDataPacket } from 'mysql2/promise';
import { imageLoopStatus } from '../../contracts/image-loop-messages';
import { IMAGE_LOOP_WORKFLOW_ID, type ImageCycleSummary, type ImageLoopStatus } from '../../contracts/images';
import type { PlatformConfig } from '../../platform/config';
import { connectMysql } from '../../platform/clients';
import { LocalPetApi } from '../../workers/pet-api/server';
import { type CliPlatform, startCliPlatform } from '../kit/cli-platform';

const petApi = new LocalPetApi({ imageSize: 64 });
let platform: CliPlatform;
let config: PlatformConfig;
let client: Client;
const petadota = (...args: string[]) => platform.petadota(...args);
const tctl = (...args: string[]) => platform.tctl(...args);
const temporal = (...args: string[]) => platform.temporal(...args);

async function loopStatus(): Promise<ImageLoopStatus> {
  return client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID).query(imageLoopStatus);
}

/** Polls the loop's status query until `done` holds (or fails with the last status seen). */
async function waitForStatus(done: (status: ImageLoopStatus) => boolean): Promise<ImageLoopStatus> {
  let status = await loopStatus();
  for (const deadline = Date.now() + 60_000; !done(status); status = await loopStatus()) {
    if (Date.now() > deadline) assert.fail(`gave up waiting; last status: ${JSON.stringify(status)}`);
    await delay(200);
  }
  return status;
}

async function terminateLoopIfRunning(): Promise<void> {
  const handle = client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID);
  const description = await handle.describe().catch(() => undefined);
  if (description?.status.name === 'RUNNING') await handle.terminate('test cleanup');
}

/** Waits until no imageCycle runs in the namespace, then sums what the completed ones stored. */
async function storedByAllCycles(): Promise<number> {
  for (const deadline = Date.now() + 60_000; ; await delay(200)) {
    const { count: running } = await client.workflow.count(
      `WorkflowType = 'imageCycle' AND ExecutionStatus = 'Running'`,
    );
    if (running === 0) break;
    if (Date.now() > deadline) assert.fail(`${running} imageCycle runs never finished`);
  }
  let stored = 0;
  for await (const execution of client.workflow.list({ query: `WorkflowType = 'imageCycle'` })) {
    const summary = await client.workflow
      .getHandle<() => Promise<ImageCycleSummary>>(execution.workflowId)
      .result();
    stored += summary.stored.length;
  }
  return stored;
}

before(async () => {
  await petApi.start();
  platform = await startCliPlatform({ DOG_API_URL: petApi.dogApiUrl, CAT_API_URL: petApi.catApiUrl });
  ({ config, client } = platform);
});

after(async () => {
  await terminateLoopIfRunning().catch(() => undefined);
  await platform?.stop();
  await petApi.stop();
});

test('bin/petadota images: status before start, start twice is one loop, pause, resume, stop', async () => {
  const before = await petadota('images', 'status');
  assert.equal(before.code, 1);
  assert.match(before.stderr, /images-loop was never started; start it with: bin\/petadota images start/);

  const started = await petadota('images', 'start', '--interval', '2', '--dogs', '2', '--cats', '1');
  assert.equal(started.code, 0, started.stderr);
  const runId = /\(run ([0-9a-f-]+)\)/.exec(started.stdout)?.[1];
  assert.ok(runId, started.stdout);
  const again = await petadota('images', 'start', '--interval', '2');
  assert.match(again.stdout, new RegExp(`\\(run ${runId}\\)`), 'a second start joins the running loop');

  await waitForStatus(
    (status) => status.lastCycles.filter((cycle) => cycle.status === 'completed').length >= 2,
  );
  const shown = await petadota('images', 'status');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^state: running, next cycle at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.000)?Z$/m);
  assert.match(shown.stdout, /^CYCLE +STATUS +STORED +DUPLICATES +REJECTED$/m);
  assert.match(shown.stdout, /^images-cycle:\S+ +completed +3 +0 +0$/m);

  const paused = await petadota('images', 'pause');
  assert.match(paused.stdout, /images-loop paused/);
  const atPause = await waitForStatus(
    (status) => status.paused && status.lastCycles.every((c) => c.status !== 'running'),
  );
  // Two more ticks pass on the grid while paused, and no cycle starts.
  const later = await waitForStatus((status) => (status.nextTickMs ?? 0) >= (atPause.nextTickMs ?? 0) + 4000);
  assert.equal(later.cyclesStarted, atPause.cyclesStarted);
  assert.equal(later.nextTickAt, null);
  assert.match((await petadota('images', 'status')).stdout, /^state: paused/m);

  const resumed = await petadota('images', 'resume');
  assert.match(resumed.stdout, /images-loop running: next cycle at /);
  await waitForStatus((status) => status.cyclesStarted > atPause.cyclesStarted);

  const stopped = await petadota('images', 'stop');
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /images-loop stopped \(CANCELLED\)/);
  const afterStop = await petadota('images', 'status');
  assert.equal(afterStop.code, 1);
  assert.match(afterStop.stderr, /images-loop is not running \(it ended CANCELLED at /);

  // Every image the cycles reported is a row of the catalog, and nothing else is.
  const stored = await storedByAllCycles();
  const admin = await connectMysql(config.mysql, config.mysql.admin);
  try {
    const [rows] = await admin.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM \`${config.mysql.database}\`.animais_disponiveis`,
    );
    assert.equal(rows[0]!.n, stored);
    assert.ok(stored >= 9, `three cycles of 3 images at least, got ${stored}`);
  } finally {
    await admin.end();
  }
});

test('bin/petadota images cycle runs one cycle and prints what it stored; bad options are usage errors', async () => {
  const cycle = await petadota('images', 'cycle', '--dogs', '1', '--cats', '1');
  assert.equal(cycle.code, 0, cycle.stderr);
  assert.match(cycle.stdout, /^imageCycle images-cycle:\d{4}-\d\d-\d\dT[\d:.]+Z$/m);
  assert.match(cycle.stdout, /^stored 2, duplicates skipped 0, rejected 0$/m);
  assert.match(
    cycle.stdout,
    /^cachorro +[a-z-]+ +[a-z-]+_\d\d +s3:\/\/it-[0-9a-f]+-imagens\/cachorro\/[a-z-]+\/[a-z-]+_\d\d\.jpg$/m,
  );
  assert.match(
    cycle.stdout,
    /^gato +[a-z-]+ +[a-z-]+_\d\d +s3:\/\/it-[0-9a-f]+-imagens\/gato\/[a-z-]+\/[a-z-]+_\d\d\.jpg$/m,
  );

  const tooMany = await petadota('images', 'cycle', '--dogs', '51');
  assert.equal(tooMany.code, 2);
  assert.match(tooMany.stderr, /--dogs must be a whole number from 0 to 50, got '51'/);
  const unknown = await petadota('images', 'restart');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown images command 'restart'/);
});

test("the README's tctl and temporal CLI commands start, query, signal and stop the image workflows", async () => {
  const loopInput = JSON.stringify({ intervalSeconds: 2, cycle: { dogs: 1, cats: 1 } });
  const started = await tctl(
    'workflow', 'start', '--taskqueue', 'pet-adota-images', '--workflow_type', 'imageLoop',
    '--workflow_id', 'images-loop', '--input', loopInput,
  ); // prettier-ignore
  assert.equal(started.code, 0, started.stderr);
  const second = await tctl(
    'workflow', 'start', '--taskqueue', 'pet-adota-images', '--workflow_type', 'imageLoop',
    '--workflow_id', 'images-loop', '--input', loopInput,
  ); // prettier-ignore
  // The dev server answers a second start of a running ID with the running run: never a second loop.
  const runIdOf = (output: string) => /run Id: ([0-9a-f-]+)/.exec(output)?.[1];
  assert.ok(runIdOf(started.stdout), started.stdout);
  assert.equal(runIdOf(second.stdout), runIdOf(started.stdout), second.stdout + second.stderr);

  await waitForStatus((status) => status.lastCycles.some((cycle) => cycle.status === 'completed'));
  const queried = await temporal(
    'workflow',
    'query',
    '--workflow-id',
    'images-loop',
    '--type',
    'status',
    '-o',
    'json',
  );
  assert.equal(queried.code, 0, queried.stderr);
  const status = (JSON.parse(queried.stdout) as { queryResult: ImageLoopStatus[] }).queryResult[0]!;
  assert.ok(status.cyclesStarted >= 1);
  assert.equal(status.totals.stored, 2 * status.lastCycles.filter((c) => c.status === 'completed').length);

  const pause = await tctl('workflow', 'signal', '--workflow_id', 'images-loop', '--name', 'pause');
  assert.equal(pause.code, 0, pause.stderr);
  assert.equal((await waitForStatus((s) => s.paused)).paused, true);
  const viaTctl = await tctl('workflow', 'query', '--workflow_id', 'images-loop', '--query_type', 'status');
  assert.equal(viaTctl.code, 0, viaTctl.stderr);
  assert.match(viaTctl.stdout, /"paused":\s*true/);

  const cancel = await temporal('workflow', 'cancel', '--workflow-id', 'images-loop');
  assert.equal(cancel.code, 0, cancel.stderr);
  const described = await client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID).describe();
  await client.workflow
    .getHandle(IMAGE_LOOP_WORKFLOW_ID)
    .result()
    .catch(() => undefined);
  assert.equal((await client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID).describe()).status.name, 'CANCELLED');
  assert.ok(described.runId);

  // The loop started with the temporal CLI too, then a cycle with tctl, shown with its result.
  const temporalLoop = await temporal(
    'workflow', 'start', '--task-queue', 'pet-adota-images', '--type', 'imageLoop',
    '--workflow-id', 'images-loop', '--input', loopInput,
  ); // prettier-ignore
  assert.equal(temporalLoop.code, 0, temporalLoop.stderr);
  assert.equal((await client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID).describe()).status.name, 'RUNNING');
  await client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID).terminate('test: the CLI started it');
  const tctlCycleId = `images-cycle:${new Date().toISOString()}`;
  const tctlCycle = await tctl(
    'workflow', 'start', '--taskqueue', 'pet-adota-images', '--workflow_type', 'imageCycle',
    '--workflow_id', tctlCycleId, '--input', JSON.stringify({ dogs: 1, cats: 0 }),
  ); // prettier-ignore
  assert.equal(tctlCycle.code, 0, tctlCycle.stderr);
  await client.workflow.getHandle(tctlCycleId).result();
  const shown = await tctl('workflow', 'show', '--workflow_id', tctlCycleId);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /WorkflowExecutionCompleted/);
  assert.match(shown.stdout, /cachorro/);

  const cycleId = `images-cycle:${new Date().toISOString()}`;
  const cycleStart = await temporal(
    'workflow', 'start', '--task-queue', 'pet-adota-images', '--type', 'imageCycle',
    '--workflow-id', cycleId, '--input', JSON.stringify({ dogs: 1, cats: 1 }),
  ); // prettier-ignore
  assert.equal(cycleStart.code, 0, cycleStart.stderr);
  const result = await temporal('workflow', 'result', '--workflow-id', cycleId, '-o', 'json');
  assert.equal(result.code, 0, result.stderr);
  const summary = (JSON.parse(result.stdout) as { result: ImageCycleSummary }).result;
  assert.equal(summary.stored.length, 2);
  assert.deepEqual(summary.stored.map((image) => image.tipo).sort(), ['cachorro', 'gato']);
});
