/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The site in a real Chromium, on real services: an isolated platform (database, accounts, bucket,
// topics), the trends Spark job counting its topic, the site in this process. A person's path
// through it: the empty pages, the gallery, a profile opened and its click counted on the
// dashboard, exact counts through the collector, Kafka and Spark, hostile text shown as text,
// and the STALE banner while the Spark job is stopped. A screenshot of each page goes to
// tests/screenshots under the test logs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Browser, Page } from 'playwright-core';
import { createImageActivities } from '../../activities/images';
import {
  connectMysql,
  connectTemporalClient,
  createHttpClient,
  createKafka,
  createMysqlPool,
  createS3Client,
} from '../../platform/clients';
import { loadConfig, type PlatformConfig } from '../../platform/config';
import { json, LocalPetApi } from '../../workers/pet-api/server';
import { startWorkers } from '../../workers/worker';
import { IMAGE_LOOP_WORKFLOW_ID, IMAGE_LOOP_WORKFLOW_TYPE, IMAGES_TASK_QUEUE } from '../../contracts/images';
import type { CollectorAnswer } from '../../workers/site/collector';
import { type RunningSite, startSite } from '../../workers/site/start';
import { imageSettings } from '../../workers/worker/activity-settings';
import { launchChromium, screenshot } from '../kit/browser';
import { freePort } from '../kit/free-port';
import { isolatedEnv, provisionIsolatedPlatform, removeIsolatedPlatform } from '../kit/isolated';
import { quietTemporalLogs, testSettings } from '../kit/platform';
import { startTrendsJob, type TrendsJob } from '../kit/trends-job';

const STALE_AFTER_SECONDS = 15;
const petApi = new LocalPetApi({ imageSize: 160 });
const sparkDir = mkdtempSync(join(tmpdir(), 'petadota-site-spark-'));
const sparkLog = join(testSettings.string('PETADOTA_LOG_DIR'), 'tests', 'site-spark.log');
let env: Record<string, string>;
let config: PlatformConfig;
let readonly: Pool;
let site: RunningSite;
let browser: Browser;
let job: TrendsJob;
let sparkUiPort: number;

function startSpark(): TrendsJob {
  return startTrendsJob(env, { dir: sparkDir, uiPort: sparkUiPort, log: sparkLog });
}

before(async () => {
  await petApi.start();
  env = isolatedEnv({
    DOG_API_URL: petApi.dogApiUrl,
    CAT_API_URL: petApi.catApiUrl,
    WEB_STALE_AFTER_SECONDS: String(STALE_AFTER_SECONDS),
    WEB_REFRESH_SECONDS: '1',
    SPARK_TRIGGER_SECONDS: '1',
  });
  config = loadConfig(env);
  await provisionIsolatedPlatform(config, { bucket: true, topics: true });
  readonly = createMysqlPool(config.mysql, config.mysql.readonly);
  sparkUiPort = await freePort();
  job = startSpark();
  site = await startSite(config, { port: 0, logger: false });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await job?.stop();
  await readonly?.end();
  await removeIsolatedPlatform(config);
  await petApi.stop();
  rmSync(sparkDir, { recursive: true, force: true });
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text()))
      failures.push(message.text());
  });
  await page.goto(`${site.url}${path}`);
  // No script error on any page, whatever it shows.
  page.once('close', () => assert.deepEqual(failures, [], `errors on ${path}`));
  return page;
}

/** Views the stream has counted for a breed. */
async function counted(tipo: string, raca: string): Promise<number> {
  const [rows] = await readonly.query<RowDataPacket[]>(
    'SELECT COALESCE(SUM(visualizacoes), 0) AS views FROM visualizacoes_10s WHERE tipo = ? AND raca = ?',
    [tipo, raca],
  );
  return Number(rows[0]!.views);
}

/** Resolves once the Spark job has processed every record of the interactions topic. */
async function streamCaughtUp(): Promise<void> {
  const admin = createKafka(config.kafka).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(config.kafka.interactionsTopic);
    await job.processed(
      config.kafka.interactionsTopic,
      Object.fromEntries(offsets.map(({ partition, high }) => [partition, Number(high)])),
    );
  } finally {
    await admin.disconnect();
  }
}

async function postClicks(
  body: string,
  contentType = 'application/json',
): Promise<{ status: number; answer: CollectorAnswer }> {
  const response = await fetch(`${site.url}/v1/clicks`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: response.status, answer: (await response.json()) as CollectorAnswer };
}

/** Stores images from the local pet API, as the image pipeline does, one activity at a time. */
async function storeImages(dogs: number, cats: number): Promise<void> {
  const s3 = createS3Client(config.s3, 'pipeline');
  const db = createMysqlPool(config.mysql, config.mysql.pipeline);
  try {
    const activities = createImageActivities({
      ...imageSettings(config),
      http: createHttpClient(5000),
      s3,
      db,
    });
    const environment = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });
    const fetched = [
      ...(await activities.fetchDogCandidates(dogs)).candidates,
      ...(await activities.fetchCatCandidates(cats)).candidates,
    ];
    for (const candidate of fetched) {
      await environment.run((image: typeof candidate) => activities.storeAnimalImage(image), candidate);
    }
  } finally {
    await db.end();
    s3.destroy();
  }
}

test('with an empty catalog and an empty stream, both pages say so', async () => {
  const gallery = await open('/');
  await gallery.getByText('Ainda não há animais aqui').waitFor();
  assert.equal(await gallery.locator('#count').textContent(), '0 animais');
  assert.equal(await gallery.locator('#animals li').count(), 0);
  await screenshot(gallery, 'site-gallery-empty');
  await gallery.close();

  const dashboard = await open('/tendencias');
  await dashboard.getByText('Nenhuma visualização neste minuto.').waitFor();
  await dashboard.locator('#chart-empty').waitFor();
  // Nothing ever counted is stale: the banner says so, and why it may be.
  assert.match((await dashboard.locator('#stale').textContent()) ?? '', /^STALE: nenhum clique contado/);
  assert.equal(await dashboard.locator('#freshness').textContent(), 'sem cliques');
  assert.equal(await dashboard.locator('#peak-overall').textContent(), 'ainda nenhuma');
  await screenshot(dashboard, 'site-dashboard-empty');
  await dashboard.close();
});

test('a profile opened in the gallery is a click the dashboard counts', { timeout: 300_000 }, async () => {
  await storeImages(4, 3);
  await job.active();
  const gallery = await open('/');
  await gallery.locator('#animals li').nth(6).waitFor();
  assert.equal(await gallery.locator('#count').textContent(), '7 animais');
  await gallery.selectOption('#tipo', 'gato');
  await gallery.locator('#count', { hasText: '3 animais' }).waitFor();
  assert.equal(await gallery.locator('#animals li').count(), 3);
  // Every photo comes through the site, and loads.
  const photos = await gallery.locator('#animals img').evaluateAll((images) =>
    images.map((image) => ({
      src: image.getAttribute('src'),
      loaded: (image as HTMLImageElement).naturalWidth > 0,
    })),
  );
  for (const photo of photos) assert.match(photo.src ?? '', /^\/fotos\/\d+$/);
  await gallery.waitForFunction(() =>
    [...document.querySelectorAll<HTMLImageElement>('#animals img')].every(
      (image) => image.complete && image.naturalWidth > 0,
    ),
  );
  await screenshot(gallery, 'site-gallery');

  const first = gallery.locator('#animals button').first();
  const animalId = Number(await first.getAttribute('data-animal-id'));
  const [row] = (
    await readonly.query<RowDataPacket[]>('SELECT tipo, raca, nome FROM animais_disponiveis WHERE id = ?', [
      animalId,
    ])
  )[0];
  await first.click();
  await gallery.locator('#profile-click', { hasText: 'Visita registrada.' }).waitFor();
  assert.equal(await gallery.locator('#profile-name').textContent(), row!.nome);
  await screenshot(gallery, 'site-profile');
  await gallery.close();

  // The click reaches the dashboard through Kafka and Spark, within the freshness target.
  const dashboard = await open('/tendencias');
  const breed = String(row!.raca).replaceAll('-', ' ');
  await dashboard.locator('#top-breeds li', { hasText: breed }).waitFor({ timeout: 60_000 });
  assert.equal(
    await dashboard.locator('#top-breeds li', { hasText: breed }).locator('.views').textContent(),
    '1',
  );
  // The gallery's click names the animal: it is listed by its name, with its own photo.
  const animal = dashboard.locator('#top-animals li', { hasText: String(row!.nome) });
  await animal.waitFor({ timeout: 60_000 });
  assert.equal(await animal.locator('.views').textContent(), '1');
  assert.equal(await animal.locator('img').getAttribute('src'), `/fotos/${animalId}`);
  await dashboard.locator('#stale').waitFor({ state: 'hidden' });
  assert.equal(await counted(row!.tipo as string, row!.raca as string), 1);
  await screenshot(dashboard, 'site-dashboard');
  await dashboard.close();
});

test(
  'a batch with good, bad and repeated events is counted exactly through Kafka and Spark',
  { timeout: 300_000 },
  async () => {
    const now = new Date().toISOString();
    const good = Array.from({ length: 5 }, (_, i) => ({
      event_id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      usuario_id: `v-site-test-${i}`,
      raca: 'dogue-alemao',
      tipo: 'cachorro',
      timestamp: now,
    }));
    const bad = [
      { ...good[0], event_id: 'not-a-uuid' },
      { ...good[1], raca: '<script>alert(1)</script>' },
    ];
    const first = await postClicks(
      JSON.stringify([good[0], bad[0], good[1], good[2], bad[1], good[3], good[4]]),
    );
    assert.equal(first.status, 400);
    assert.equal(first.answer.accepted, 5);
    assert.deepEqual(
      first.answer.eventIds,
      good.map((event) => event.event_id),
    );
    assert.deepEqual(
      first.answer.rejected.map(({ index, problems }) => ({
        index,
        fields: problems.map((problem) => problem.field),
      })),
      [
        { index: 1, fields: ['event_id'] },
        { index: 4, fields: ['raca'] },
      ],
    );
    // A client's retry of three of them, as NDJSON: accepted again, counted once.
    const retry = await postClicks(
      good
        .slice(0, 3)
        .map((event) => JSON.stringify(event))
        .join('\n'),
      'application/x-ndjson',
    );
    assert.equal(retry.status, 202);
    assert.equal(retry.answer.accepted, 3);

    await streamCaughtUp();
    assert.equal(await counted('cachorro', 'dogue-alemao'), 5);
  },
);

test('hostile text in the catalog and in clicks stays text on the pages', async () => {
  const hostile = '<img src=x onerror="window.pwned=1">"\'&lt;';
  const admin = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  try {
    await admin.query(
      `INSERT INTO animais_disponiveis (raca, url, tipo, nome, numero, object_key, source_url, source_url_sha256,
         content_sha256, content_type, size_bytes)
       VALUES ('persa', 'x', 'gato', ?, 999, 'gato/persa/hostile.jpg', 'x', REPEAT('a', 64), REPEAT('b', 64), 'image/jpeg', 1)`,
      [hostile],
    );
  } finally {
    await admin.end();
  }
  const gallery = await open('/?tipo=gato');
  const card = gallery.locator('#animals .name', { hasText: 'onerror' });
  await card.waitFor();
  assert.equal(await card.textContent(), hostile);
  assert.equal(await gallery.locator('img[src="x"]').count(), 0);
  assert.equal(await gallery.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
  await gallery.close();

  const refused = await postClicks(JSON.stringify({ raca: hostile, tipo: 'gato', usuario_id: hostile }));
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.answer.rejected[0]!.problems.map((problem) => problem.field).sort(), [
    'raca',
    'usuario_id',
  ]);
});

test(
  "a pet API's hostile answer shows as text in the image loop's rejections on the dashboard",
  { timeout: 180_000 },
  async () => {
    const hostile = '<img src=x onerror="window.pwned=2">';
    petApi.override('/api/breeds/image/random/1', (_request, response) =>
      json(response, 200, { status: 'success', message: [hostile] }),
    );
    quietTemporalLogs();
    const workers = await startWorkers(config);
    const client = await connectTemporalClient(config.temporal);
    try {
      await client.workflow.start(IMAGE_LOOP_WORKFLOW_TYPE, {
        taskQueue: IMAGES_TASK_QUEUE,
        workflowId: IMAGE_LOOP_WORKFLOW_ID,
        args: [{ intervalSeconds: 5, cycle: { dogs: 1, cats: 0 } }],
      });
      const dashboard = await open('/tendencias');
      const rejection = dashboard.locator('#rejections li', { hasText: 'onerror' });
      await rejection.waitFor({ timeout: 120_000 });
      assert.equal(await rejection.textContent(), `MalformedResponse not an http(s) URL: ${hostile}`);
      assert.equal(await dashboard.locator('img[src="x"]').count(), 0);
      assert.equal(
        await dashboard.evaluate(() => (window as unknown as { pwned?: number }).pwned),
        undefined,
      );
      assert.match((await dashboard.locator('#loop-state').textContent()) ?? '', /^Rodando/);
      // Each workflow links to its page in the Temporal Web UI.
      const links = await dashboard
        .locator('#workflows a')
        .evaluateAll((anchors) => anchors.map((anchor) => [anchor.textContent, anchor.getAttribute('href')]));
      const loopPage = `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${IMAGE_LOOP_WORKFLOW_ID}`;
      assert.ok(
        links.some(([id, href]) => id === IMAGE_LOOP_WORKFLOW_ID && href === loopPage),
        JSON.stringify(links),
      );
      await screenshot(dashboard, 'site-dashboard-image-loop');
      await dashboard.close();
    } finally {
      await client.workflow
        .getHandle(IMAGE_LOOP_WORKFLOW_ID)
        .terminate('test done')
        .catch(() => undefined);
      await client.connection.close();
      workers.shutdown();
      await workers.done;
      petApi.clearOverrides();
    }
  },
);

test(
  'the dashboard shows STALE while the Spark job is stopped, and recovers when it restarts',
  { timeout: 300_000 },
  async () => {
    await job.stop();
    const dashboard = await open('/tendencias');
    // A click arrives that nobody counts.
    const click = await postClicks(JSON.stringify({ raca: 'beagle', tipo: 'cachorro' }));
    assert.equal(click.status, 202);
    await dashboard
      .locator('#stale')
      .waitFor({ state: 'visible', timeout: (STALE_AFTER_SECONDS + 30) * 1000 });
    assert.match(
      (await dashboard.locator('#stale').textContent()) ?? '',
      new RegExp(`^STALE: nenhum clique contado há mais de ${STALE_AFTER_SECONDS} s`),
    );
    await screenshot(dashboard, 'site-dashboard-stale');

    // Started again on its checkpoints, the job counts the waiting click; a fresh one ends STALE.
    job = startSpark();
    await job.active();
    assert.equal((await postClicks(JSON.stringify({ raca: 'beagle', tipo: 'cachorro' }))).status, 202);
    await dashboard.locator('#stale').waitFor({ state: 'hidden', timeout: 90_000 });
    await streamCaughtUp();
    assert.equal(await counted('cachorro', 'beagle'), 2);
    await dashboard.close();
  },
);
