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

  // Same key, same bytes: re-uploading after a crash overwrites the object with itself.
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: reservation.objectKey,
      Body: bytes,
      ContentType: format.contentType,
      Metadata: { 'source-url': encodeURIComponent(image.sourceUrl), sha256: contentHash },
    }),
  );
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
 * Stores a batch of images, at most `concurrency` at a time, one attempt each: one activity for
 * many images instead of one each spares the Temporal server most of a cycle's work. Each image
 * is as idempotent as alone, so a retried batch stores nothing twice.
 */
export function storeAnimalImages(
  deps: ImageStoreDependencies,
  images: ImageCandidate[],
  concurrency: number,
): Promise<BatchedStoreResult[]> {
  return storeEachOnce((image) => storeAnimalImage(deps, image), images, concurrency);
}

/** One attempt of `store` per image, at most `concurrency` at a time; results in image order. */
export async function storeEachOnce(
  store: (image: ImageCandidate) => Promise<StoreImageResult>,
  images: ImageCandidate[],
  concurrency: number,
): Promise<BatchedStoreResult[]> {
  const results: BatchedStoreResult[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < images.length) {
      const index = next++;
      results[index] = await store(images[index]!).catch(batchFailure);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, images.length)) }, lane));
  return results;
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
        `INSERT INTO animais_disponiveis
           (raca, url, tipo, nome, numero, object_key, source_url, source_url_sha256, content_sha256, content_type, size_bytes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
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
        ],
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
    response = await deps.http.get<ArrayBuffer>(sourceUrl, {
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
  const bytes = Buffer.from(response.data);
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
