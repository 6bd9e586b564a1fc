// Reservations whose store activity gave up, healed by the next cycle on the real S3 server and
// MariaDB: finished from the uploaded object or from the source, or, when the source is gone,
// released to the next image of the breed. Afterwards: no gap, every row has its object and
// every object its row, no reservation left.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { createImageActivities } from '../../activities/images';
import type { ImageCandidate } from '../../activities/images/pet-apis';
import { connectMysql, createHttpClient, createMysqlPool, createS3Client } from '../../platform/clients';
import { json, LocalPetApi } from '../../workers/pet-api/server';
import { isolatedConfig, provisionIsolatedPlatform, removeIsolatedPlatform } from '../kit/isolated';
import { imageSettings } from '../../workers/worker/activity-settings';

const petApi = new LocalPetApi({ imageSize: 96 });
let config: ReturnType<typeof isolatedConfig>;
let s3: S3Client;
let db: Pool;

before(async () => {
  await petApi.start();
  config = isolatedConfig({ DOG_API_URL: petApi.dogApiUrl, CAT_API_URL: petApi.catApiUrl });
  s3 = createS3Client(config.s3, 'pipeline');
  await provisionIsolatedPlatform(config, { bucket: true });
  db = createMysqlPool(config.mysql, config.mysql.pipeline);
});

after(async () => {
  await db?.end();
  await removeIsolatedPlatform(config);
  s3?.destroy();
  await petApi.stop();
});

beforeEach(() => petApi.clearOverrides());

const activities = (client: S3Client = s3) =>
  createImageActivities({
    ...imageSettings(config),
    http: createHttpClient(config.pets.httpTimeoutMs),
    s3: client,
    db,
  });

const dog = (raca: string, name: string): ImageCandidate => ({
  tipo: 'cachorro',
  raca,
  sourceUrl: `${petApi.origin}/images/breeds/${raca}/${name}.jpg`,
});

/** An S3 client the server refuses: the upload fails after the name was reserved. */
function refusedS3(): S3Client {
  return new S3Client({
    endpoint: config.s3.endpoint,
    region: config.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.s3.pipeline.accessKeyId, secretAccessKey: 'not-the-secret' },
    maxAttempts: 1,
  });
}

async function reservations(): Promise<RowDataPacket[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT raca, numero, object_key, abandonada_em FROM reservas_imagem ORDER BY raca, numero',
  );
  return rows;
}

/** The catalog of a breed against its objects: the same keys, numbers 1..n. */
async function assertBreedWhole(raca: string, count: number): Promise<void> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT numero, object_key, size_bytes, content_sha256 FROM animais_disponiveis WHERE raca = ? ORDER BY numero',
    [raca],
  );
  assert.deepEqual(
    rows.map((row) => Number(row.numero)),
    Array.from({ length: count }, (_, i) => i + 1),
  );
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: `cachorro/${raca}/` }),
  );
  assert.deepEqual(
    (listed.Contents ?? []).map((object) => object.Key).sort(),
    rows.map((row) => String(row.object_key)).sort(),
  );
  for (const row of rows) {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: config.s3.bucket, Key: String(row.object_key) }),
    );
    assert.equal(head.ContentLength, Number(row.size_bytes));
    assert.equal(head.Metadata?.sha256, row.content_sha256);
  }
}

test('an upload whose catalog insert never came is registered from the object, under its name', async () => {
  const admin = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  const { user } = config.mysql.pipeline;
  const image = dog('akita', 'a1');
  try {
    await admin.query('REVOKE INSERT ON animais_disponiveis FROM ?@?', [user, config.mysql.accountHost]);
    await assert.rejects(activities().storeAnimalImage(image), { code: 'ER_TABLEACCESS_DENIED_ERROR' });
  } finally {
    await admin.query('GRANT INSERT ON animais_disponiveis TO ?@?', [user, config.mysql.accountHost]);
    await admin.end();
  }
  // Young reservations belong to activities that may still be retrying: left alone.
  assert.deepEqual(await activities().healAbandonedReservations(600), {
    stored: [],
    released: [],
    pending: [],
  });
  assert.equal((await reservations()).length, 1);

  const healed = await activities().healAbandonedReservations(0);

  assert.deepEqual(healed, {
    stored: [
      {
        tipo: 'cachorro',
        raca: 'akita',
        nome: 'akita_01',
        url: `s3://${config.s3.bucket}/cachorro/akita/akita_01.jpg`,
      },
    ],
    released: [],
    pending: [],
  });
  assert.deepEqual(await reservations(), []);
  await assertBreedWhole('akita', 1);
  const [[row]] = await db.query<RowDataPacket[]>(
    'SELECT source_url, content_type FROM animais_disponiveis WHERE raca = ?',
    ['akita'],
  );
  assert.deepEqual({ ...row }, { source_url: image.sourceUrl, content_type: 'image/jpeg' });
});

test('a name reserved but never uploaded is finished from the source, under its name', async () => {
  await assert.rejects(activities(refusedS3()).storeAnimalImage(dog('boxer', 'b1')), {
    name: 'SignatureDoesNotMatch',
  });
  assert.equal((await activities().storeAnimalImage(dog('boxer', 'b2'))).status, 'stored');

  const healed = await activities().healAbandonedReservations(0);

  assert.deepEqual(
    healed.stored.map((image) => image.nome),
    ['boxer_01'],
  );
  assert.deepEqual(await reservations(), []);
  await assertBreedWhole('boxer', 2);
});

test('a name whose source is gone goes to the next image of the breed; its stray object is deleted', async () => {
  await assert.rejects(activities(refusedS3()).storeAnimalImage(dog('corgi', 'gone')), {
    name: 'SignatureDoesNotMatch',
  });
  // Bytes of something else at the reserved key, as a half-finished upload could leave them.
  await s3.send(
    new PutObjectCommand({ Bucket: config.s3.bucket, Key: 'cachorro/corgi/corgi_01.jpg', Body: 'partial' }),
  );
  petApi.override('/images/breeds/corgi/gone.jpg', (_request, response) =>
    json(response, 404, { status: 'error' }),
  );

  const healed = await activities().healAbandonedReservations(0);

  assert.deepEqual(healed.stored, []);
  assert.equal(healed.released.length, 1);
  assert.equal(healed.released[0]!.nome, 'corgi_01');
  assert.match(healed.released[0]!.reason, /answered 404/);
  const [released] = await reservations();
  assert.equal(Number(released!.numero), 1);
  assert.ok(released!.abandonada_em instanceof Date);
  // Nothing is left at the key, and the gone source is not held against a later return.
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: 'cachorro/corgi/' }),
  );
  assert.equal(listed.KeyCount, 0);

  const next = await activities().storeAnimalImage(dog('corgi', 'c2'));
  const after = await activities().storeAnimalImage(dog('corgi', 'c3'));

  assert.deepEqual(
    [next, after].map((result) => result.status === 'stored' && result.nome),
    ['corgi_01', 'corgi_02'],
  );
  assert.deepEqual(await reservations(), []);
  await assertBreedWhole('corgi', 2);
  // Healing again finds nothing to do.
  assert.deepEqual(await activities().healAbandonedReservations(0), {
    stored: [],
    released: [],
    pending: [],
  });
});

test('two cycles healing at once finish each reservation once', async () => {
  const refused = activities(refusedS3());
  for (const name of ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'])
    await assert.rejects(refused.storeAnimalImage(dog('dalmata', name)));

  const [first, second] = await Promise.all([
    activities().healAbandonedReservations(0),
    activities().healAbandonedReservations(0),
  ]);

  const names = [...first.stored, ...second.stored].map((image) => image.nome).sort();
  assert.deepEqual(names, [
    'dalmata_01',
    'dalmata_02',
    'dalmata_03',
    'dalmata_04',
    'dalmata_05',
    'dalmata_06',
  ]);
  assert.deepEqual([...first.pending, ...second.pending], []);
  assert.deepEqual(await reservations(), []);
  await assertBreedWhole('dalmata', 6);
});

test('while S3 is still refusing, a reservation stays pending for the next cycle', async () => {
  await assert.rejects(activities(refusedS3()).storeAnimalImage(dog('eskimo', 'e1')));

  const healed = await activities(refusedS3()).healAbandonedReservations(0);

  assert.deepEqual(healed.stored, []);
  assert.deepEqual(healed.released, []);
  assert.equal(healed.pending.length, 1);
  assert.equal(healed.pending[0]!.objectKey, 'cachorro/eskimo/eskimo_01.jpg');
  assert.equal((await reservations()).length, 1);

  assert.deepEqual(
    (await activities().healAbandonedReservations(0)).stored.map((image) => image.nome),
    ['eskimo_01'],
  );
  await assertBreedWhole('eskimo', 1);
});
