// The image catalog against the bucket, as the tests and the chaos suite check it: every row has
// its object and every object its row, no source or content twice, each breed numbered 1..n, and
// no reservation left.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { RowDataPacket } from 'mysql2/promise';
import type { PlatformConfig } from '../../platform/config';
import { connectMysql, createS3Client } from '../../platform/clients';

export interface CatalogAudit {
  rows: number;
  /** Object keys without a row, and rows without an object. */
  objectsWithoutRow: string[];
  rowsWithoutObject: string[];
  duplicateSources: number;
  duplicateContents: number;
  /** `tipo/raca: 1,2,4` for each breed whose numbers are not 1..n. */
  brokenNumbering: string[];
  reservations: number;
}

export async function auditCatalog(config: PlatformConfig): Promise<CatalogAudit> {
  const db = await connectMysql(config.mysql, config.mysql.admin, { database: config.mysql.database });
  const s3 = createS3Client(config.s3, 'admin');
  try {
    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT tipo, raca, numero, object_key, source_url_sha256, content_sha256 FROM animais_disponiveis',
    );
    const [reservations] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM reservas_imagem');
    const keys = new Set<string>();
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: config.s3.bucket, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        // Provisioning's probes of the bucket's policy are written and deleted at once.
        if (!object.Key!.startsWith('_provisioning/')) keys.add(object.Key!);
      }
      token = page.NextContinuationToken;
    } while (token);
    const rowKeys = new Set(rows.map((row) => String(row.object_key)));
    const numbers = new Map<string, number[]>();
    for (const row of rows) {
      const breed = `${String(row.tipo)}/${String(row.raca)}`;
      numbers.set(breed, [...(numbers.get(breed) ?? []), Number(row.numero)]);
    }
    const distinct = (column: string): number => new Set(rows.map((row) => String(row[column]))).size;
    return {
      rows: rows.length,
      objectsWithoutRow: [...keys].filter((key) => !rowKeys.has(key)).sort(),
      rowsWithoutObject: [...rowKeys].filter((key) => !keys.has(key)).sort(),
      duplicateSources: rows.length - distinct('source_url_sha256'),
      duplicateContents: rows.length - distinct('content_sha256'),
      brokenNumbering: [...numbers]
        .map(([breed, taken]) => [breed, taken.sort((a, b) => a - b)] as const)
        .filter(([, taken]) => taken.some((number, i) => number !== i + 1))
        .map(([breed, taken]) => `${breed}: ${taken.join(',')}`),
      reservations: Number(reservations[0]!.n),
    };
  } finally {
    await db.end();
    s3.destroy();
  }
}

/** What is wrong with the catalog, one line each; empty when it is exact. */
export function catalogProblems(audit: CatalogAudit, { reservationsAllowed = false } = {}): string[] {
  return [
    ...audit.objectsWithoutRow.map((key) => `object without a row: ${key}`),
    ...audit.rowsWithoutObject.map((key) => `row without an object: ${key}`),
    ...(audit.duplicateSources > 0 ? [`${audit.duplicateSources} sources stored twice`] : []),
    ...(audit.duplicateContents > 0 ? [`${audit.duplicateContents} contents stored twice`] : []),
    ...audit.brokenNumbering.map((breed) => `numbers not 1..n: ${breed}`),
    ...(audit.reservations > 0 && !reservationsAllowed ? [`${audit.reservations} reservations left`] : []),
  ];
}
