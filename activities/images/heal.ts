// Healing reservations whose store activity gave up: S3 or MySQL was down for longer than its
// retries, so a name was reserved and perhaps uploaded, but never registered. Each one is
// finished from its uploaded object, else from its source URL; when the source is gone, its
// number is released to the next image of the same breed (reserveName takes it first) and any
// object at its key is deleted. So no number stays a gap and no object stays without its row.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { HealedReservations } from '../../contracts/images';
import { ErrorType, REJECTION_ERROR_TYPES } from '../../contracts/errors';
import {
  type ImageStoreDependencies,
  imageName,
  registerImage,
  releaseReservation,
  sha256,
  storeAnimalImage,
} from './store';
import type { Tipo } from './breeds';

interface PendingReservation {
  sourceHash: string;
  sourceUrl: string | null;
  contentHash: string;
  tipo: Tipo;
  raca: string;
  numero: number;
  objectKey: string;
  createdAt: Date;
}

/** At most this many per call: a cycle heals a backlog a slice at a time. */
const BATCH = 50;

export async function healAbandonedReservations(
  deps: ImageStoreDependencies,
  olderThanSeconds: number,
): Promise<HealedReservations> {
  const [rows] = await deps.db.execute<RowDataPacket[]>(
    `SELECT source_url_sha256, source_url, content_sha256, tipo, raca, numero, object_key, created_at
       FROM reservas_imagem
      WHERE abandonada_em IS NULL AND created_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND
      ORDER BY created_at LIMIT ${BATCH}`,
    [olderThanSeconds],
  );
  const healed: HealedReservations = { stored: [], released: [], pending: [] };
  for (const row of rows) {
    const reservation: PendingReservation = {
      sourceHash: String(row.source_url_sha256),
      sourceUrl: (row.source_url as string | null) ?? null,
      contentHash: String(row.content_sha256),
      tipo: row.tipo as Tipo,
      raca: String(row.raca),
      numero: Number(row.numero),
      objectKey: String(row.object_key),
      createdAt: row.created_at as Date,
    };
    // Claimed by moving its time forward: a concurrent cycle's healing skips it.
    if (!(await claim(deps, reservation))) continue;
    try {
      const outcome = await finish(deps, reservation);
      if (outcome.status === 'stored') {
        healed.stored.push({
          tipo: reservation.tipo,
          raca: reservation.raca,
          nome: outcome.nome,
          url: outcome.url,
        });
      }
    } catch (error) {
      const reason = releaseReason(error);
      if (reason) {
        await releaseReservation(deps, reservation);
        healed.released.push({
          nome: imageName(reservation.raca, reservation.numero),
          sourceUrl: reservation.sourceUrl ?? undefined,
          reason,
        });
      } else {
        // S3 or MySQL still down, or the source failing for now: the next cycle tries again.
        healed.pending.push({ objectKey: reservation.objectKey, reason: (error as Error).message });
      }
    }
  }
  return healed;
}

/** Why the reservation can never be finished, or undefined when a later try may succeed. */
function releaseReason(error: unknown): string | undefined {
  if (error instanceof ApplicationFailure && error.type && REJECTION_ERROR_TYPES.includes(error.type))
    return error.message;
  // The source now serves an image the catalog holds under another name.
  if ((error as { code?: string }).code === 'ER_DUP_ENTRY')
    return 'its image is stored already under another name';
  return undefined;
}

async function claim(deps: ImageStoreDependencies, reservation: PendingReservation): Promise<boolean> {
  const [result] = await deps.db.execute<ResultSetHeader>(
    'UPDATE reservas_imagem SET created_at = CURRENT_TIMESTAMP(3) WHERE source_url_sha256 = ? AND created_at = ?',
    [reservation.sourceHash, reservation.createdAt],
  );
  return result.affectedRows === 1;
}

/** From the uploaded object when it is there and whole, else from the source. */
async function finish(deps: ImageStoreDependencies, reservation: PendingReservation) {
  const head = await deps.s3
    .send(new HeadObjectCommand({ Bucket: deps.bucket, Key: reservation.objectKey }))
    .catch((error: Error) => {
      if (error.name === 'NotFound' || error.name === 'NoSuchKey') return undefined;
      throw error;
    });
  const metadata = head?.Metadata ?? {};
  if (head && metadata.sha256 === reservation.contentHash && metadata['source-url']) {
    const sourceUrl = reservation.sourceUrl ?? decodeURIComponent(metadata['source-url']);
    if (sha256(sourceUrl) === reservation.sourceHash) {
      return registerImage(deps, {
        ...reservation,
        sourceUrl,
        contentType: head.ContentType ?? 'application/octet-stream',
        sizeBytes: Number(head.ContentLength),
      });
    }
  }
  if (!reservation.sourceUrl) {
    throw ApplicationFailure.create({
      type: ErrorType.SourceNotFound,
      nonRetryable: true,
      message: `no uploaded object at ${reservation.objectKey} and no source URL to fetch it again`,
    });
  }
  return storeAnimalImage(deps, {
    tipo: reservation.tipo,
    raca: reservation.raca,
    sourceUrl: reservation.sourceUrl,
  });
}
