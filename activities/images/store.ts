// Storing one image: download, check, name, upload, register. Idempotent by source URL: a retry
// after a crash anywhere finishes the same name, and never makes a second object, a second row
// or a gap in the numbers. The same image (by URL or by content) is never stored twice.
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { AxiosInstance } from 'axios';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { ErrorType, NON_RETRYABLE_ERROR_TYPES, REJECTION_ERROR_TYPES } from '../../contracts/errors';
import { checkStatus, httpFailure, type ImageCandidate } from './pet-apis';
import { detectImageFormat, type ImageFormat } from './image-bytes';

export type StoreImageResult =
  | { status: 'stored'; nome: string; url: string; objectKey: string }
  | { status: 'duplicate'; nome?: string; reason: string };

export interface ImageStoreDependencies {
  http: AxiosInstance;
  s3: S3Client;
  /** The image pipeline's account. */
  db: Pool;
  bucket: string;
  maxImageBytes: number;
}

export interface Reservation {
  numero: number;
  objectKey: string;
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** `labrador_01`, …, `labrador_99`, `labrador_100`: two digits at least. */
export function imageName(raca: string, numero: number): string {
  return `${raca}_${String(numero).padStart(2, '0')}`;
}

/** `cachorro/labrador/labrador_01.jpg`: the slug keeps the key inside its prefix. */
export function objectKeyFor(tipo: string, raca: string, numero: number, extension: string): string {
  return `${tipo}/${raca}/${imageName(raca, numero)}.${extension}`;
}

export async function storeAnimalImage(
  deps: ImageStoreDependencies,
  image: ImageCandidate,
): Promise<StoreImageResult> {
  const sourceHash = sha256(image.sourceUrl);
  const stored = await findStored(deps.db, 'source_url_sha256', sourceHash);
  if (stored) return { status: 'duplicate', nome: stored, reason: 'this source URL is already stored' };

  const { bytes, format } = await download(deps, image.sourceUrl);
  const contentHash = sha256(bytes);

  let reservation = await findReservation(deps.db, sourceHash);
  if (!reservation) {
    const sameContent = await findStored(deps.db, 'content_sha256', contentHash);
    if (sameContent)
      return { status: 'duplicate', nome: sameContent, reason: 'the same image is stored already' };
    const reserved = await reserveName(deps.db, image, sourceHash, contentHash, format);
    if ('duplicate' in reserved) return reserved.duplicate;
    reservation = reserved;
  }

  await putImage(deps, image.sourceUrl, reservation.objectKey, bytes, format, contentHash);
  return registerImage(deps, {
    ...image,
    ...reservation,
    sourceHash,
    contentHash,
    contentType: format.contentType,
    sizeBytes: bytes.length,
  });
}

/**
 * Same key, same bytes: re-uploading after a crash overwrites the object with itself. The server
 * checks the bytes against the SHA-256 the catalog records for them (x-amz-checksum-sha256), and
 * the request is signed with that same digest: the body is hashed once, here, where the SDK would
 * hash it twice more (a CRC32 and its signature's SHA-256).
 */
async function putImage(
  deps: Pick<ImageStoreDependencies, 's3' | 'bucket'>,
  sourceUrl: string,
  objectKey: string,
  bytes: Buffer,
  format: ImageFormat,
  contentHash: string,
): Promise<void> {
  const put = new PutObjectCommand({
    Bucket: deps.bucket,
    Key: objectKey,
    Body: bytes,
    ContentType: format.contentType,
    ChecksumSHA256: Buffer.from(contentHash, 'hex').toString('base64'),
    Metadata: { 'source-url': encodeURIComponent(sourceUrl), sha256: contentHash },
  });
  put.middlewareStack.add(
    (next) => (args) => {
      // At the build step the request is serialized: an HTTP request with its headers.
      (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = contentHash;
      return next(args);
    },
    { step: 'build', name: 'signWithContentHash' },
  );
  await deps.s3.send(put);
}

/**
 * One image of a batch: stored or duplicate as storeAnimalImage says; rejected when it failed in a
 * way retrying cannot fix (the types the retry policies list as non-retryable); `retry` when it
 * failed transiently, for the workflow to store it again, alone, after `retryAfterMs` when the
 * source said how long to wait (a 429's Retry-After).
 */
export type BatchedStoreResult =
  | StoreImageResult
  | { status: 'rejected'; type: string; reason: string }
  | { status: 'retry'; reason: string; retryAfterMs?: number };

const FINAL_ERROR_TYPES = new Set([...NON_RETRYABLE_ERROR_TYPES, ...REJECTION_ERROR_TYPES]);

/**
 * Stores a batch of images, at most `concurrency` downloads or uploads at a time, one attempt
 * each: one activity for many images instead of one each spares the Temporal server most of a
 * cycle's work. The catalog is read, names reserved and rows registered for the whole batch at
 * once, a query or a transaction each instead of one per image (their round trips and commits
 * were most of an image's time). Each image goes through the same steps, in the same order, as
 * storeAnimalImage, so it is as idempotent as alone and a retried batch stores nothing twice; a
 * batch statement that clashes with a concurrent store falls back to the one-image step.
 */
export async function storeAnimalImages(
  deps: ImageStoreDependencies,
  images: ImageCandidate[],
  concurrency: number,
): Promise<BatchedStoreResult[]> {
  const results = images.map((): BatchedStoreResult | undefined => undefined);
  const pending = (): number[] => images.flatMap((_, i) => (results[i] === undefined ? [i] : []));
  const fail = (indexes: number[], error: unknown): void =>
    indexes.forEach((i) => (results[i] = batchFailure(error)));
  // A source repeated in the batch is stored by its first occurrence; the others are told so.
  const firstOf = new Map<string, number>();
  images.forEach((image, i) => {
    if (!firstOf.has(image.sourceUrl)) firstOf.set(image.sourceUrl, i);
  });
  const items = [...firstOf.values()].map((i) => ({
    i,
    image: images[i]!,
    sourceHash: sha256(images[i]!.sourceUrl),
  }));
  const finish = (): BatchedStoreResult[] =>
    images.map((image, i) => {
      const first = firstOf.get(image.sourceUrl)!;
      const result = results[first]!;
      if (first === i || result.status !== 'stored') return result;
      return { status: 'duplicate', nome: result.nome, reason: 'repeated in the same batch' };
    });

  let known: Known;
  try {
    known = await findKnown(
      deps.db,
      items.map((item) => item.sourceHash),
    );
  } catch (error) {
    fail(pending(), error);
    return finish();
  }
  const fresh = items.filter(({ i, sourceHash }) => {
    const nome = known.stored.get(sourceHash);
    if (nome) results[i] = { status: 'duplicate', nome, reason: 'this source URL is already stored' };
    return !nome;
  });

  const downloaded: Array<
    (typeof fresh)[number] & { bytes: Buffer; format: ImageFormat; contentHash: string }
  > = [];
  await eachLimited(fresh, concurrency, async (item) => {
    try {
      const { bytes, format } = await download(deps, item.image.sourceUrl);
      downloaded.push({ ...item, bytes, format, contentHash: sha256(bytes) });
    } catch (error) {
      fail([item.i], error);
    }
  });
  downloaded.sort((a, b) => a.i - b.i);

  // Reserved by an earlier attempt: that name is finished. The others need one.
  const reservations = new Map(known.reserved);
  const toReserve = downloaded.filter((item) => !reservations.has(item.sourceHash));
  try {
    const sameContent = await findStoredMany(
      deps.db,
      'content_sha256',
      toReserve.map((item) => item.contentHash),
    );
    const inBatch = new Set<string>();
    const unique = toReserve.filter(({ i, contentHash }) => {
      const nome = sameContent.get(contentHash);
      if (nome) results[i] = { status: 'duplicate', nome, reason: 'the same image is stored already' };
      else if (inBatch.has(contentHash))
        results[i] = { status: 'duplicate', reason: 'the same image is in this batch already' };
      inBatch.add(contentHash);
      return results[i] === undefined;
    });
    for (const [item, reserved] of await reserveNames(deps.db, unique)) {
      if (reserved instanceof Error) fail([item.i], reserved);
      else if ('duplicate' in reserved) results[item.i] = reserved.duplicate;
      else reservations.set(item.sourceHash, reserved);
    }
  } catch (error) {
    fail(
      toReserve.filter((item) => results[item.i] === undefined).map((item) => item.i),
      error,
    );
  }

  const uploaded: Array<{ i: number; image: UploadedImage }> = [];
  const toUpload = downloaded.filter((item) => results[item.i] === undefined);
  await eachLimited(toUpload, concurrency, async ({ i, image, sourceHash, bytes, format, contentHash }) => {
    const reservation = reservations.get(sourceHash)!;
    try {
      await putImage(deps, image.sourceUrl, reservation.objectKey, bytes, format, contentHash);
      const { contentType } = format;
      uploaded.push({
        i,
        image: { ...image, ...reservation, sourceHash, contentHash, contentType, sizeBytes: bytes.length },
      });
    } catch (error) {
      fail([i], error);
    }
  });
  uploaded.sort((a, b) => a.i - b.i);

  const registered = await registerImages(
    deps,
    uploaded.map((item) => item.image),
    concurrency,
  );
  uploaded.forEach(({ i }, n) => (results[i] = registered[n]));
  return finish();
}

interface Known {
  stored: Map<string, string>;
  reserved: Map<string, Reservation>;
}

/** The stored names and the reservations of these sources, in one round trip. */
async function findKnown(db: Pool, sourceHashes: string[]): Promise<Known> {
  const known: Known = { stored: new Map(), reserved: new Map() };
  if (sourceHashes.length === 0) return known;
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT source_url_sha256 AS hash, nome, NULL AS numero, NULL AS object_key
       FROM animais_disponiveis WHERE source_url_sha256 IN (?)
     UNION ALL
     SELECT source_url_sha256, NULL, numero, object_key FROM reservas_imagem WHERE source_url_sha256 IN (?)`,
    [sourceHashes, sourceHashes],
  );
  for (const row of rows) {
    const hash = String(row.hash);
    if (row.nome !== null) known.stored.set(hash, String(row.nome));
    else known.reserved.set(hash, { numero: Number(row.numero), objectKey: String(row.object_key) });
  }
  return known;
}

async function findStoredMany(
  db: Pool,
  column: 'source_url_sha256' | 'content_sha256',
  hashes: string[],
): Promise<Map<string, string>> {
  if (hashes.length === 0) return new Map();
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${column} AS hash, nome FROM animais_disponiveis WHERE ${column} IN (?)`,
    [hashes],
  );
  return new Map(rows.map((row) => [String(row.hash), String(row.nome)]));
}

interface ToReserve {
  image: ImageCandidate;
  sourceHash: string;
  contentHash: string;
  format: ImageFormat;
}

/** Clashes with a concurrent store, which the one-image steps sort out. */
const CLASHES = new Set(['ER_DUP_ENTRY', 'ER_LOCK_DEADLOCK']);
const isClash = (error: unknown): boolean => CLASHES.has((error as { code?: string }).code ?? '');

/**
 * Names for all of these images in one transaction, else (a clash) each by reserveName. The
 * answer of each is its reservation, the duplicate it turned out to be, or the error it met.
 */
async function reserveNames<T extends ToReserve>(
  db: Pool,
  items: T[],
): Promise<Array<[T, Reservation | { duplicate: StoreImageResult } | Error]>> {
  if (items.length === 0) return [];
  try {
    const reserved = await inTransaction(db, (connection) => reserveBatch(connection, items));
    return items.map((item, n) => [item, reserved[n]!]);
  } catch (error) {
    if (!isClash(error)) throw error;
  }
  const answers: Array<[T, Reservation | { duplicate: StoreImageResult } | Error]> = [];
  for (const item of items) {
    const answer = await reserveName(db, item.image, item.sourceHash, item.contentHash, item.format).catch(
      (error: Error) => error,
    );
    answers.push([item, answer]);
  }
  return answers;
}

/**
 * reserveName for many images: per breed, the released numbers first, then the next ones of the
 * counter, in the order of the images. The counter rows are locked in one order (tipo, raca) by
 * every batch, so that batches wait for each other instead of deadlocking.
 */
async function reserveBatch(connection: PoolConnection, items: ToReserve[]): Promise<Reservation[]> {
  const breedKey = (tipo: string, raca: string): string => `${tipo}/${raca}`;
  const breeds = new Map<string, { tipo: string; raca: string; items: number[] }>();
  items.forEach(({ image: { tipo, raca } }, n) => {
    const key = breedKey(tipo, raca);
    if (!breeds.has(key)) breeds.set(key, { tipo, raca, items: [] });
    breeds.get(key)!.items.push(n);
  });
  const ordered = [...breeds.values()].sort((a, b) =>
    a.tipo + '/' + a.raca < b.tipo + '/' + b.raca ? -1 : 1,
  );
  const reservations: Reservation[] = [];
  const reserve = (n: number, numero: number): Reservation => {
    const { image, format } = items[n]!;
    return (reservations[n] = {
      numero,
      objectKey: objectKeyFor(image.tipo, image.raca, numero, format.extension),
    });
  };

  // Rare: numbers whose source was lost. A plain read, as in reserveName.
  const [released] = await connection.query<RowDataPacket[]>(
    `SELECT tipo, raca, numero, object_key FROM reservas_imagem
      WHERE abandonada_em IS NOT NULL AND (${ordered.map(() => '(tipo = ? AND raca = ?)').join(' OR ')})
      ORDER BY tipo, raca, numero`,
    ordered.flatMap(({ tipo, raca }) => [tipo, raca]),
  );
  const needed = new Map(ordered.map((breed) => [breed, [...breed.items]]));
  for (const row of released) {
    const breed = breeds.get(breedKey(String(row.tipo), String(row.raca)));
    const waiting = breed && needed.get(breed);
    if (!waiting?.length) continue;
    const n = waiting[0]!;
    const { image, sourceHash, contentHash } = items[n]!;
    const { objectKey } = reserve(n, Number(row.numero));
    const claim = { sourceHash, sourceUrl: image.sourceUrl, contentHash, objectKey };
    // Else taken by another cycle first: the counter's number below replaces this one.
    if (await claimReleasedNumber(connection, String(row.object_key), claim)) waiting.shift();
  }

  const counted = ordered.filter((breed) => needed.get(breed)!.length > 0);
  if (counted.length > 0) {
    await connection.query(
      `INSERT INTO contadores_raca (tipo, raca, ultimo_numero) VALUES ?
       ON DUPLICATE KEY UPDATE ultimo_numero = ultimo_numero + VALUES(ultimo_numero)`,
      [counted.map((breed) => [breed.tipo, breed.raca, needed.get(breed)!.length])],
    );
    // Our own rows, locked by the upsert to the commit: a plain read sees what it wrote.
    const [counters] = await connection.query<RowDataPacket[]>(
      `SELECT tipo, raca, ultimo_numero FROM contadores_raca
        WHERE ${counted.map(() => '(tipo = ? AND raca = ?)').join(' OR ')}`,
      counted.flatMap(({ tipo, raca }) => [tipo, raca]),
    );
    const rows: unknown[][] = [];
    for (const counter of counters) {
      const waiting = needed.get(breeds.get(breedKey(String(counter.tipo), String(counter.raca)))!)!;
      const first = Number(counter.ultimo_numero) - waiting.length + 1;
      waiting.forEach((n, k) => {
        const { image, sourceHash, contentHash } = items[n]!;
        const { numero, objectKey } = reserve(n, first + k);
        rows.push([sourceHash, image.sourceUrl, contentHash, image.tipo, image.raca, numero, objectKey]);
      });
    }
    await connection.query(
      `INSERT INTO reservas_imagem (source_url_sha256, source_url, content_sha256, tipo, raca, numero, object_key)
       VALUES ?`,
      [rows],
    );
  }
  return reservations;
}

const CATALOG_COLUMNS =
  '(raca, url, tipo, nome, numero, object_key, source_url, source_url_sha256, content_sha256, content_type, size_bytes)';

/** An uploaded image's catalog row, in the order of CATALOG_COLUMNS. */
function catalogValues(image: UploadedImage, nome: string, url: string): Array<string | number> {
  return [
    image.raca,
    url,
    image.tipo,
    nome,
    image.numero,
    image.objectKey,
    image.sourceUrl,
    image.sourceHash,
    image.contentHash,
    image.contentType,
    image.sizeBytes,
  ];
}

/**
 * registerImage for many uploaded images: their rows, and the end of their reservations, in one
 * transaction; after a clash (one of them registered meanwhile) each by registerImage.
 */
async function registerImages(
  deps: Pick<ImageStoreDependencies, 's3' | 'db' | 'bucket'>,
  images: UploadedImage[],
  concurrency: number,
): Promise<BatchedStoreResult[]> {
  if (images.length === 0) return [];
  const rows = images.map((image) => ({
    image,
    nome: imageName(image.raca, image.numero),
    url: `s3://${deps.bucket}/${image.objectKey}`,
  }));
  try {
    await inTransaction(deps.db, async (connection) => {
      await connection.query(`INSERT INTO animais_disponiveis ${CATALOG_COLUMNS} VALUES ?`, [
        rows.map(({ image, nome, url }) => catalogValues(image, nome, url)),
      ]);
      await connection.query('DELETE FROM reservas_imagem WHERE source_url_sha256 IN (?)', [
        images.map((image) => image.sourceHash),
      ]);
    });
  } catch (error) {
    if (!isClash(error)) return images.map(() => batchFailure(error));
    const results: BatchedStoreResult[] = [];
    await eachLimited(
      images.map((image, n) => ({ image, n })),
      concurrency,
      async ({ image, n }) => {
        results[n] = await registerImage(deps, image).catch(batchFailure);
      },
    );
    return results;
  }
  return rows.map(({ image, nome, url }) => ({ status: 'stored', nome, url, objectKey: image.objectKey }));
}

/** One attempt of `store` per image, at most `concurrency` at a time; results in image order. */
export async function storeEachOnce(
  store: (image: ImageCandidate) => Promise<StoreImageResult>,
  images: ImageCandidate[],
  concurrency: number,
): Promise<BatchedStoreResult[]> {
  const results: BatchedStoreResult[] = [];
  await eachLimited(
    images.map((image, index) => ({ image, index })),
    concurrency,
    async ({ image, index }) => {
      results[index] = await store(image).catch(batchFailure);
    },
  );
  return results;
}

/** `work` on every item, at most `concurrency` at a time. */
async function eachLimited<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}

function batchFailure(error: unknown): BatchedStoreResult {
  const reason = error instanceof Error ? error.message : String(error);
  if (!(error instanceof ApplicationFailure)) return { status: 'retry', reason };
  if (error.nonRetryable || FINAL_ERROR_TYPES.has(error.type ?? ''))
    return { status: 'rejected', type: error.type ?? 'Error', reason };
  return {
    status: 'retry',
    reason,
    ...(error.nextRetryDelay !== undefined && { retryAfterMs: msToNumber(error.nextRetryDelay) }),
  };
}

/** An uploaded object and the reservation it was uploaded for: what its catalog row holds. */
export interface UploadedImage extends ImageCandidate, Reservation {
  sourceHash: string;
  contentHash: string;
  contentType: string;
  sizeBytes: number;
}

/**
 * The catalog row of an uploaded object, and the end of its reservation, in one transaction.
 * When someone else registered the same source meanwhile (a cycle and the healing of its
 * reservation), the row is theirs and this is a duplicate.
 */
export async function registerImage(
  deps: Pick<ImageStoreDependencies, 's3' | 'db' | 'bucket'>,
  image: UploadedImage,
): Promise<StoreImageResult> {
  const nome = imageName(image.raca, image.numero);
  const url = `s3://${deps.bucket}/${image.objectKey}`;
  try {
    await inTransaction(deps.db, async (connection) => {
      await connection.execute(
        `INSERT INTO animais_disponiveis ${CATALOG_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        catalogValues(image, nome, url),
      );
      await connection.execute('DELETE FROM reservas_imagem WHERE source_url_sha256 = ?', [image.sourceHash]);
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ER_DUP_ENTRY') throw error;
    const stored = await findStored(deps.db, 'source_url_sha256', image.sourceHash);
    if (stored) return { status: 'duplicate', nome: stored, reason: 'this source URL was stored meanwhile' };
    // The same bytes from another source were registered between this one's content check and
    // its reservation: the number goes to the next image of the breed, the object away.
    const sameContent = await findStored(deps.db, 'content_sha256', image.contentHash);
    if (!sameContent) throw error;
    await releaseReservation(deps, image);
    return { status: 'duplicate', nome: sameContent, reason: 'the same image was stored meanwhile' };
  }
  return { status: 'stored', nome, url, objectKey: image.objectKey };
}

/**
 * Gives a reservation up: deletes whatever was uploaded at its key, and gives it a key of its own
 * that no source can match, marked released, for the next image of the breed (reserveName).
 */
export async function releaseReservation(
  deps: Pick<ImageStoreDependencies, 's3' | 'db' | 'bucket'>,
  reservation: { objectKey: string; sourceHash: string },
): Promise<void> {
  await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: reservation.objectKey }));
  const placeholder = sha256(`released:${reservation.objectKey}`);
  await deps.db.execute(
    `UPDATE reservas_imagem
        SET source_url_sha256 = ?, content_sha256 = ?, source_url = NULL, abandonada_em = CURRENT_TIMESTAMP(3)
      WHERE source_url_sha256 = ?`,
    [placeholder, placeholder, reservation.sourceHash],
  );
}

export async function findStored(db: Pool, column: 'source_url_sha256' | 'content_sha256', hash: string) {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT nome FROM animais_disponiveis WHERE ${column} = ?`,
    [hash],
  );
  return rows[0]?.nome as string | undefined;
}

export async function findReservation(db: Pool, sourceHash: string): Promise<Reservation | undefined> {
  const [rows] = await db.execute<RowDataPacket[]>(
    'SELECT numero, object_key FROM reservas_imagem WHERE source_url_sha256 = ?',
    [sourceHash],
  );
  const row = rows[0];
  return row ? { numero: Number(row.numero), objectKey: String(row.object_key) } : undefined;
}

/**
 * Reserves a number of (tipo, raca) for this source, in one transaction: the lowest number whose
 * source was lost (see heal.ts), else the next of the counter. The counter row lock serialises
 * concurrent cycles, and a unique clash (the same image reserved by someone else meanwhile) rolls
 * everything back, so no number is skipped.
 */
async function reserveName(
  db: Pool,
  image: ImageCandidate,
  sourceHash: string,
  contentHash: string,
  format: ImageFormat,
): Promise<Reservation | { duplicate: StoreImageResult }> {
  try {
    return await inTransaction(db, async (connection) => {
      const claim = { sourceHash, sourceUrl: image.sourceUrl, contentHash };
      // Rare: a number whose source was lost waits for this breed's next image. A plain read: a
      // locking one would take gap locks that deadlock with other breeds' reservations.
      const [[released]] = await connection.execute<RowDataPacket[]>(
        `SELECT numero, object_key FROM reservas_imagem
          WHERE tipo = ? AND raca = ? AND abandonada_em IS NOT NULL ORDER BY numero LIMIT 1`,
        [image.tipo, image.raca],
      );
      if (released) {
        const numero = Number(released.numero);
        const objectKey = objectKeyFor(image.tipo, image.raca, numero, format.extension);
        if (await claimReleasedNumber(connection, String(released.object_key), { ...claim, objectKey }))
          return { numero, objectKey };
      }
      // The counter row's lock, held to the commit, serialises the breed's reservations.
      const [counter] = await connection.execute<ResultSetHeader>(
        `INSERT INTO contadores_raca (tipo, raca, ultimo_numero) VALUES (?, ?, LAST_INSERT_ID(1))
         ON DUPLICATE KEY UPDATE ultimo_numero = LAST_INSERT_ID(ultimo_numero + 1)`,
        [image.tipo, image.raca],
      );
      const numero = counter.insertId;
      const objectKey = objectKeyFor(image.tipo, image.raca, numero, format.extension);
      await connection.execute(
        `INSERT INTO reservas_imagem (source_url_sha256, source_url, content_sha256, tipo, raca, numero, object_key)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [sourceHash, image.sourceUrl, contentHash, image.tipo, image.raca, numero, objectKey],
      );
      return { numero, objectKey };
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ER_DUP_ENTRY') throw error;
    const theirs = await findReservation(db, sourceHash);
    if (theirs) return theirs; // the same source, reserved by a concurrent attempt: finish it
    return {
      duplicate: { status: 'duplicate', reason: 'the same image is being stored by another cycle' },
    };
  }
}

/** Takes a released number for a new source; false when another cycle took it first. */
async function claimReleasedNumber(
  connection: PoolConnection,
  releasedKey: string,
  claim: { sourceHash: string; sourceUrl: string; contentHash: string; objectKey: string },
): Promise<boolean> {
  const [result] = await connection.execute<ResultSetHeader>(
    `UPDATE reservas_imagem
        SET source_url_sha256 = ?, source_url = ?, content_sha256 = ?, object_key = ?,
            abandonada_em = NULL, created_at = CURRENT_TIMESTAMP(3)
      WHERE object_key = ? AND abandonada_em IS NOT NULL`,
    [claim.sourceHash, claim.sourceUrl, claim.contentHash, claim.objectKey, releasedKey],
  );
  return result.affectedRows === 1;
}

async function inTransaction<T>(db: Pool, work: (connection: PoolConnection) => Promise<T>): Promise<T> {
  const connection = await db.getConnection();
  try {
    await connection.beginTransaction();
    const result = await work(connection);
    await connection.commit();
    return result;
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}

export async function download(
  deps: ImageStoreDependencies,
  sourceUrl: string,
): Promise<{ bytes: Buffer; format: ImageFormat }> {
  let response;
  try {
    response = await deps.http.get<Buffer>(sourceUrl, {
      responseType: 'arraybuffer',
      maxContentLength: deps.maxImageBytes,
    });
  } catch (error) {
    throw httpFailure(error, sourceUrl, () =>
      ApplicationFailure.create({
        type: ErrorType.ImageTooLarge,
        nonRetryable: true,
        message: `${sourceUrl} is larger than ${deps.maxImageBytes} bytes (MAX_IMAGE_BYTES)`,
      }),
    );
  }
  checkStatus(response, sourceUrl);
  // Node's adapter of axios answers 'arraybuffer' with a Buffer: no copy of it needed.
  const bytes = response.data;
  const format = detectImageFormat(bytes, response.headers['content-type'] as string | undefined);
  if ('reason' in format) {
    throw ApplicationFailure.create({
      type: ErrorType.NotAnImage,
      nonRetryable: true,
      message: `${sourceUrl}: ${format.reason}`,
    });
  }
  return { bytes, format };
}
