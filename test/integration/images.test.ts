import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { DefaultLogger, type NativeConnection, Worker } from '@temporalio/worker';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { createImageActivities } from '../../activities/images';
import type { ImageCandidate } from '../../activities/images/pet-apis';
import { registerImage, sha256, type StoreImageResult } from '../../activities/images/store';
import type { ImageCycleInput, ImageCycleSummary } from '../../contracts/images';
import {
  connectMysql,
  connectTemporalClient,
  connectWorkerConnection,
  createHttpClient,
  createMysqlPool,
  createS3Client,
} from '../../platform/clients';
import { jpegFor, json, LocalPetApi } from '../../workers/pet-api/server';
import { imageCycle } from '../../workflows';
import { isolatedConfig, provisionIsolatedPlatform, removeIsolatedPlatform } from '../kit/isolated';
import { quietTemporalLogs, uniqueName } from '../kit/platform';
import { imageSettings } from '../../workers/worker/activity-settings';
import { ErrorType, TRANSIENT_ERROR_TYPES } from '../../contracts/errors';
import { freePort } from '../kit/free-port';

const MAX_IMAGE_BYTES = 200_000;
const petApi = new LocalPetApi({ imageSize: 320 });
let config: ReturnType<typeof isolatedConfig>;
let client: Client;
let connection: NativeConnection;
let s3: S3Client;
let db: Pool;

before(async () => {
  quietTemporalLogs();
  await petApi.start();
  config = isolatedConfig({
    DOG_API_URL: petApi.dogApiUrl,
    CAT_API_URL: petApi.catApiUrl,
    MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES),
  });
  s3 = createS3Client(config.s3, 'pipeline');
  await provisionIsolatedPlatform(config, { bucket: true });
  db = createMysqlPool(config.mysql, config.mysql.pipeline);
  client = await connectTemporalClient(config.temporal);
  connection = await connectWorkerConnection(config.temporal);
});

after(async () => {
  await db?.end();
  await removeIsolatedPlatform(config);
  s3?.destroy();
  await connection?.close();
  await client?.connection.close();
  await petApi.stop();
});

beforeEach(() => petApi.clearOverrides());

const activities = () =>
  createImageActivities({
    ...imageSettings(config),
    http: createHttpClient(config.pets.httpTimeoutMs),
    s3,
    db,
  });

/** Runs storeAnimalImage on its own, as one activity attempt (the crash and 429 tests drive attempts). */
function storeOnce(image: ImageCandidate): Promise<StoreImageResult> {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });
  const store = (candidate: ImageCandidate): Promise<StoreImageResult> =>
    activities().storeAnimalImage(candidate);
  return env.run<[ImageCandidate], StoreImageResult, typeof store>(store, image);
}

async function cycles(...inputs: ImageCycleInput[]): Promise<ImageCycleSummary[]> {
  const taskQueue = uniqueName('images-it');
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: activities(),
  });
  return worker.runUntil(
    Promise.all(
      inputs.map((input) =>
        client.workflow.execute(imageCycle, {
          taskQueue,
          workflowId: uniqueName('images-cycle'),
          args: [input],
        }),
      ),
    ),
  );
}

async function catalog(): Promise<Array<{ tipo: string; raca: string; nome: string; url: string }>> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT tipo, raca, nome, url FROM animais_disponiveis ORDER BY id',
  );
  return rows.map((row) => ({
    tipo: String(row.tipo),
    raca: String(row.raca),
    nome: String(row.nome),
    url: String(row.url),
  }));
}

async function objectKeys(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.s3.bucket }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

const s3Url = (key: string): string => `s3://${config.s3.bucket}/${key}`;
const sortByNome = <T extends { nome: string }>(items: T[]): T[] =>
  [...items].sort((a, b) => a.nome.localeCompare(b.nome));

test("names, keys and rows are exactly the seed's: <tipo>/<raca>/<raca>_NN.jpg", async () => {
  const [summary] = await cycles({ dogs: 6, cats: 5 });

  const expected = [
    ['cachorro', 'labrador', 'labrador_01'],
    ['cachorro', 'hound-afghan', 'hound-afghan_01'],
    ['cachorro', 'poodle-toy', 'poodle-toy_01'],
    ['cachorro', 'pastor-alemao', 'pastor-alemao_01'],
    ['cachorro', 'beagle', 'beagle_01'],
    ['cachorro', 'pug', 'pug_01'],
    ['gato', 'persa', 'persa_01'],
    ['gato', 'siames', 'siames_01'],
    ['gato', 'maine-coon', 'maine-coon_01'],
    ['gato', 'bengal', 'bengal_01'],
    ['gato', 'sem-raca-definida', 'sem-raca-definida_01'],
  ].map(([tipo, raca, nome]) => ({
    tipo: tipo!,
    raca: raca!,
    nome: nome!,
    url: s3Url(`${tipo}/${raca}/${nome}.jpg`),
  }));
  assert.deepEqual(summary!.rejected, []);
  assert.deepEqual(summary!.duplicates, []);
  assert.deepEqual(sortByNome(summary!.stored), sortByNome(expected));
  assert.deepEqual(sortByNome(await catalog()), sortByNome(expected));

  const [second] = await cycles({ dogs: 1, cats: 1 });
  assert.deepEqual(
    second!.stored.map((image) => image.url).sort(),
    // The sixth cat is Siamese again (the fifth came without breed data).
    [s3Url('cachorro/labrador/labrador_02.jpg'), s3Url('gato/siames/siames_02.jpg')].sort(),
  );
});

test('every row has its object and every object its row, with the declared size and hash', async () => {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT object_key, size_bytes, content_sha256 FROM animais_disponiveis',
  );
  const keys = (await objectKeys()).filter((key) => !key.startsWith('_provisioning/'));
  assert.deepEqual(keys, rows.map((row) => String(row.object_key)).sort());
  for (const row of rows) {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: config.s3.bucket, Key: String(row.object_key) }),
    );
    assert.equal(head.ContentLength, Number(row.size_bytes));
    assert.equal(head.ContentType, 'image/jpeg');
    assert.equal(head.Metadata?.sha256, row.content_sha256);
  }
});

test('two concurrent cycles never share a name and leave no gap in the numbers', async () => {
  const summaries = await cycles(
    { dogs: 12, cats: 0, concurrency: 6 },
    { dogs: 12, cats: 0, concurrency: 6 },
  );

  const names = summaries.flatMap((summary) => summary.stored.map((image) => image.nome));
  assert.equal(names.length, 24);
  assert.equal(new Set(names).size, 24);
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT raca, GROUP_CONCAT(numero ORDER BY numero) AS numeros FROM animais_disponiveis WHERE tipo = 'cachorro' GROUP BY raca ORDER BY raca",
  );
  // 6 + 1 labradors and 6 of every other breed before, plus 4 of each breed now: 1..n, no gaps.
  for (const row of rows) {
    const numbers = String(row.numeros).split(',').map(Number);
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => i + 1),
      `${String(row.raca)}: ${String(row.numeros)}`,
    );
  }
});

test('a crash between upload and catalog insert heals on retry: same name, one object, one row', async () => {
  const admin = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  const { user } = config.mysql.pipeline;
  const image = {
    tipo: 'gato' as const,
    raca: 'persa',
    sourceUrl: `${petApi.origin}/images/cats/crash-test.jpg`,
  };
  const [counter] = await db.query<RowDataPacket[]>(
    "SELECT ultimo_numero FROM contadores_raca WHERE raca = 'persa'",
  );
  const expectedNome = `persa_${String(Number(counter[0]!.ultimo_numero) + 1).padStart(2, '0')}`;
  const key = `gato/persa/${expectedNome}.jpg`;
  try {
    // The catalog insert is refused after the upload: the attempt dies where a crash would.
    await admin.query('REVOKE INSERT ON animais_disponiveis FROM ?@?', [user, config.mysql.accountHost]);
    await assert.rejects(storeOnce(image), { code: 'ER_TABLEACCESS_DENIED_ERROR' });
    assert.ok((await objectKeys()).includes(key), 'the object was uploaded before the failure');
  } finally {
    await admin.query('GRANT INSERT ON animais_disponiveis TO ?@?', [user, config.mysql.accountHost]);
    await admin.end();
  }

  const retried = await storeOnce(image);

  assert.deepEqual(retried, { status: 'stored', nome: expectedNome, url: s3Url(key), objectKey: key });
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT nome FROM animais_disponiveis WHERE source_url = ?',
    [image.sourceUrl],
  );
  assert.deepEqual(
    rows.map((row) => row.nome as string),
    [expectedNome],
  );
  const [reservations] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM reservas_imagem');
  assert.equal(Number(reservations[0]!.n), 0);
  const [persas] = await db.query<RowDataPacket[]>(
    "SELECT object_key FROM animais_disponiveis WHERE raca = 'persa'",
  );
  assert.deepEqual(
    (await objectKeys()).filter((k) => k.startsWith('gato/persa/')),
    persas.map((row) => String(row.object_key)).sort(),
  );
  // And storing it again is a duplicate, not a second copy.
  assert.deepEqual(await storeOnce(image), {
    status: 'duplicate',
    nome: expectedNome,
    reason: 'this source URL is already stored',
  });
});

test('bad input is rejected with a clear reason while the good images of the cycle are stored', async () => {
  const origin = petApi.origin;
  const good = (name: string) => `${origin}/images/breeds/beagle/${name}.jpg`;
  const hostile = ['..', '%2e%2e', 'c%C3%A3o-d%E2%80%99%C3%A1gua', 'x'.repeat(300)];
  petApi.override('/api/breeds/image/random/9', (_request, response) =>
    json(response, 200, {
      status: 'success',
      message: [
        good('ok-1'),
        good('ok-1'), // the same URL twice in one answer
        `${origin}/images/breeds/beagle/html.jpg`,
        `${origin}/images/breeds/beagle/huge.jpg`,
        `${origin}/images/breeds/beagle/gone.jpg`,
        ...hostile.map((breed) => `${origin}/images/breeds/${breed}/h.jpg`),
      ],
    }),
  );
  petApi.override('/images/breeds/beagle/html.jpg', (_request, response) => {
    response.writeHead(200, { 'content-type': 'image/jpeg' });
    response.end('<!doctype html><html><body>Not a dog</body></html>');
  });
  petApi.override('/images/breeds/beagle/huge.jpg', (_request, response) => {
    response.writeHead(200, { 'content-type': 'image/jpeg' });
    response.end(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(MAX_IMAGE_BYTES + 1)]));
  });
  petApi.override('/images/breeds/beagle/gone.jpg', (_request, response) =>
    json(response, 404, { status: 'error' }),
  );
  // The Cat API answers malformed JSON: the cats are rejected, the dogs still stored.
  petApi.override('/v1/images/search', (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('[{"id": "x", "url": ');
  });

  const [summary] = await cycles({ dogs: 9, cats: 3 });

  const rejected = summary!.rejected.map(
    ({ sourceUrl, type }) => `${type} ${sourceUrl?.replace(origin, '') ?? '-'}`,
  );
  // `..` and `%2e%2e` are dot segments: the URL resolves outside breeds/, so it names no breed.
  assert.deepEqual(rejected.sort(), [
    'ImageTooLarge /images/breeds/beagle/huge.jpg',
    'MalformedResponse -',
    'MalformedResponse /images/h.jpg',
    'MalformedResponse /images/h.jpg',
    'NotAnImage /images/breeds/beagle/html.jpg',
    'SourceNotFound /images/breeds/beagle/gone.jpg',
  ]);
  assert.match(
    summary!.rejected.find((r) => r.type === 'MalformedResponse')!.reason,
    /^The Cat API: .*JSON array/,
  );
  assert.deepEqual(summary!.duplicates, [
    { sourceUrl: good('ok-1'), reason: 'repeated in the same API answer' },
  ]);
  assert.deepEqual(
    summary!.stored.map((image) => image.raca).sort(),
    ['beagle', 'cao-dagua', 'x'.repeat(50)].sort(),
  );
});

test('a 429 is retried after Retry-After, then the image is stored', async () => {
  let calls = 0;
  petApi.override('/images/breeds/pug/rate-limited.jpg', (request, response) => {
    calls += 1;
    if (calls === 1) {
      response.writeHead(429, { 'retry-after': '1' });
      return void response.end();
    }
    const image = jpegFor('/after-429', 64);
    response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length });
    response.end(image);
  });
  const image = {
    tipo: 'cachorro' as const,
    raca: 'pug',
    sourceUrl: `${petApi.origin}/images/breeds/pug/rate-limited.jpg`,
  };

  await assert.rejects(storeOnce(image), (error: { type?: string; nextRetryDelay?: unknown }) => {
    assert.equal(error.type, 'RateLimited');
    assert.ok(error.nextRetryDelay, 'Retry-After becomes the next retry delay');
    return true;
  });
  const stored = await storeOnce(image);
  assert.equal(stored.status, 'stored');
  assert.equal(calls, 2);
});

test('a download that times out or cannot connect fails with a named, retryable type', async () => {
  petApi.override('/images/breeds/pug/slow.jpg', () => {
    // No answer at all: the client's timeout ends the download.
  });
  const impatient = createImageActivities({ ...imageSettings(config), http: createHttpClient(300), s3, db });
  const attempt = (sourceUrl: string): Promise<StoreImageResult> =>
    new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') }).run(
      (candidate: ImageCandidate) => impatient.storeAnimalImage(candidate),
      { tipo: 'cachorro' as const, raca: 'pug', sourceUrl },
    );

  await assert.rejects(
    attempt(`${petApi.origin}/images/breeds/pug/slow.jpg`),
    (error: ApplicationFailure) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.type, ErrorType.SourceTimedOut);
      assert.equal(error.nonRetryable, false);
      assert.match(error.message, /\/images\/breeds\/pug\/slow\.jpg did not answer in time/);
      return true;
    },
  );
  const closedPort = await freePort();
  await assert.rejects(
    attempt(`http://127.0.0.1:${closedPort}/images/breeds/pug/x.jpg`),
    (error: ApplicationFailure) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.type, ErrorType.SourceUnreachable);
      assert.equal(error.nonRetryable, false);
      assert.match(error.message, /cannot be reached \(ECONNREFUSED/);
      return true;
    },
  );
  assert.ok(TRANSIENT_ERROR_TYPES.includes(ErrorType.SourceTimedOut));
});

test('batches store each image once, whatever repeats in them, and batches at once share no name or number', async () => {
  const same = jpegFor('/the-same-bytes', 64);
  for (const name of ['same-a', 'same-b']) {
    petApi.override(`/images/breeds/akita/${name}.jpg`, (_request, response) => {
      response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': same.length });
      response.end(same);
    });
  }
  const akita = (name: string): ImageCandidate => ({
    tipo: 'cachorro',
    raca: 'akita',
    sourceUrl: `${petApi.origin}/images/breeds/akita/${name}.jpg`,
  });
  const first = [akita('same-a'), akita('same-b'), akita('same-a')];
  for (let i = 0; i < 10; i++) first.push(akita(`a${i}`));
  const second = Array.from({ length: 10 }, (_, i) => akita(`b${i}`));

  const results = (
    await Promise.all([activities().storeAnimalImages(first, 8), activities().storeAnimalImages(second, 8)])
  ).flat();

  // The same source twice and the same bytes under another source: one image of the three.
  assert.deepEqual(
    results.map((result) => result.status).sort(),
    [...Array<string>(21).fill('stored'), 'duplicate', 'duplicate'].sort(),
  );
  const names = results.flatMap((result) => (result.status === 'stored' ? [result.nome] : []));
  assert.equal(new Set(names).size, 21);
  // When the same bytes under another URL lost the race only at registration, its number was
  // released: the next akita takes it, so the numbers are 1..22 either way.
  assert.equal((await activities().storeAnimalImage(akita('next'))).status, 'stored');
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT numero, object_key FROM animais_disponiveis WHERE raca = 'akita' ORDER BY numero",
  );
  assert.deepEqual(
    rows.map((row) => Number(row.numero)),
    Array.from({ length: 22 }, (_, i) => i + 1),
  );
  const keys = (await objectKeys()).filter((key) => key.startsWith('cachorro/akita/'));
  assert.deepEqual(keys, rows.map((row) => String(row.object_key)).sort());
});

test('the same bytes registered by another source first: the late one is a duplicate, its number released, its object gone', async () => {
  const bytes = jpegFor('/late-twin', 64);
  petApi.override('/images/cats/late-twin-1.jpg', (_request, response) => {
    response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length });
    response.end(bytes);
  });
  const first = await activities().storeAnimalImage({
    tipo: 'gato',
    raca: 'sphynx',
    sourceUrl: `${petApi.origin}/images/cats/late-twin-1.jpg`,
  });
  assert.equal(first.status, 'stored');
  // Its twin passed the content check before the first one was registered, then reserved and
  // uploaded: what reserveName and the upload of storeAnimalImage leave.
  const sourceUrl = `${petApi.origin}/images/cats/late-twin-2.jpg`;
  const twin = {
    tipo: 'gato' as const,
    raca: 'sphynx',
    sourceUrl,
    sourceHash: sha256(sourceUrl),
    contentHash: sha256(bytes),
    numero: 2,
    objectKey: 'gato/sphynx/sphynx_02.jpg',
    contentType: 'image/jpeg',
    sizeBytes: bytes.length,
  };
  await db.execute(
    `INSERT INTO reservas_imagem (source_url_sha256, source_url, content_sha256, tipo, raca, numero, object_key)
     VALUES (?, ?, ?, 'gato', 'sphynx', 2, ?)`,
    [twin.sourceHash, sourceUrl, twin.contentHash, twin.objectKey],
  );
  await s3.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key: twin.objectKey, Body: bytes }));

  const late = await registerImage({ db, s3, bucket: config.s3.bucket }, twin);

  assert.deepEqual(late, {
    status: 'duplicate',
    nome: 'sphynx_01',
    reason: 'the same image was stored meanwhile',
  });
  assert.ok(!(await objectKeys()).includes(twin.objectKey));
  const next = await activities().storeAnimalImage({
    tipo: 'gato',
    raca: 'sphynx',
    sourceUrl: `${petApi.origin}/images/cats/late-twin-3.jpg`,
  });
  assert.equal(next.status === 'stored' && next.nome, 'sphynx_02');
});

test('a batch whose catalog insert fails after its uploads is retried under the same names: one object and one row each', async () => {
  const admin = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  const { user } = config.mysql.pipeline;
  const shiba = (name: string): ImageCandidate => ({
    tipo: 'cachorro',
    raca: 'shiba',
    sourceUrl: `${petApi.origin}/images/breeds/shiba/${name}.jpg`,
  });
  const gato = (name: string): ImageCandidate => ({
    tipo: 'gato',
    raca: 'ragdoll',
    sourceUrl: `${petApi.origin}/images/cats/${name}.jpg`,
  });
  const batch = [shiba('s1'), gato('r1'), shiba('s2'), shiba('s1'), gato('r2'), shiba('s3')];
  try {
    await admin.query('REVOKE INSERT ON animais_disponiveis FROM ?@?', [user, config.mysql.accountHost]);
    const failed = await activities().storeAnimalImages(batch, 3);
    assert.deepEqual(
      failed.map((result) => result.status),
      Array<string>(6).fill('retry'),
    );
  } finally {
    await admin.query('GRANT INSERT ON animais_disponiveis TO ?@?', [user, config.mysql.accountHost]);
    await admin.end();
  }
  const keys = [
    'cachorro/shiba/shiba_01.jpg',
    'cachorro/shiba/shiba_02.jpg',
    'cachorro/shiba/shiba_03.jpg',
    'gato/ragdoll/ragdoll_01.jpg',
    'gato/ragdoll/ragdoll_02.jpg',
  ];
  const ours = async (): Promise<string[]> =>
    (await objectKeys()).filter(
      (key) => key.startsWith('cachorro/shiba/') || key.startsWith('gato/ragdoll/'),
    );
  assert.deepEqual(await ours(), keys, 'uploaded before the failure, under their reserved names');

  const retried = await activities().storeAnimalImages(batch, 3);

  const stored = (raca: string, nome: string, tipo = 'cachorro') => ({
    status: 'stored',
    nome,
    url: s3Url(`${tipo}/${raca}/${nome}.jpg`),
    objectKey: `${tipo}/${raca}/${nome}.jpg`,
  });
  assert.deepEqual(retried, [
    stored('shiba', 'shiba_01'),
    stored('ragdoll', 'ragdoll_01', 'gato'),
    stored('shiba', 'shiba_02'),
    { status: 'duplicate', nome: 'shiba_01', reason: 'repeated in the same batch' },
    stored('ragdoll', 'ragdoll_02', 'gato'),
    stored('shiba', 'shiba_03'),
  ]);
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT object_key FROM animais_disponiveis WHERE raca IN ('shiba', 'ragdoll') ORDER BY object_key",
  );
  assert.deepEqual(
    rows.map((row) => String(row.object_key)),
    keys,
  );
  assert.deepEqual(await ours(), keys);
  const [reservations] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM reservas_imagem');
  assert.equal(Number(reservations[0]!.n), 0);
  // Once more: every one is a duplicate by its source URL.
  assert.deepEqual(
    (await activities().storeAnimalImages(batch, 3)).map(
      (result) => result.status === 'duplicate' && result.reason,
    ),
    Array<string>(6).fill('this source URL is already stored'),
  );
});

test('a batch takes a released number of its breed first, then the next of the counter, in image order', async () => {
  const chow = (name: string): ImageCandidate => ({
    tipo: 'cachorro',
    raca: 'chow',
    sourceUrl: `${petApi.origin}/images/breeds/chow/${name}.jpg`,
  });
  for (const name of ['c1', 'c2', 'c3'])
    assert.equal((await activities().storeAnimalImage(chow(name))).status, 'stored');
  // Number 2's row and object gone, its number released, as the healing of a lost source leaves it.
  // Number 2's row gone and its number released, as healing leaves a lost source (releaseReservation).
  const admin = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  await admin.query("DELETE FROM animais_disponiveis WHERE nome = 'chow_02'").finally(() => admin.end());
  const placeholder = sha256('released:cachorro/chow/chow_02.jpg');
  await db.execute(
    `INSERT INTO reservas_imagem (source_url_sha256, content_sha256, tipo, raca, numero, object_key, abandonada_em)
     VALUES (?, ?, 'cachorro', 'chow', 2, 'cachorro/chow/chow_02.jpg', CURRENT_TIMESTAMP(3))`,
    [placeholder, placeholder],
  );
  await s3.send(new DeleteObjectCommand({ Bucket: config.s3.bucket, Key: 'cachorro/chow/chow_02.jpg' }));

  const results = await activities().storeAnimalImages([chow('c4'), chow('c5'), chow('c6')], 2);

  assert.deepEqual(
    results.map((result) => result.status === 'stored' && result.nome),
    ['chow_02', 'chow_04', 'chow_05'],
  );
  const [numbers] = await db.query<RowDataPacket[]>(
    "SELECT numero FROM animais_disponiveis WHERE raca = 'chow' ORDER BY numero",
  );
  assert.deepEqual(
    numbers.map((n) => Number(n.numero)),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    (await objectKeys()).filter((key) => key.startsWith('cachorro/chow/')),
    [1, 2, 3, 4, 5].map((n) => `cachorro/chow/chow_0${n}.jpg`),
  );
  const [left] = await db.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM reservas_imagem WHERE raca = 'chow'",
  );
  assert.equal(Number(left[0]!.n), 0);
});
