// The gallery's data: the animals of animais_disponiveis (read with the read-only account),
// filtered by tipo and raca and paged, and their photos, streamed from the image bucket through
// the site (the bucket itself is never opened to browsers).
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Readable } from 'node:stream';

export interface CatalogOptions {
  readonlyDb: Pool;
  s3: S3Client;
  bucket: string;
}

export const PAGE_SIZE = 24;
const TIPOS = ['cachorro', 'gato'] as const;
const RACA = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface Animal {
  id: number;
  nome: string;
  tipo: string;
  raca: string;
  /** The photo, through the site. */
  photo: string;
}

export const photoPath = (id: number): string => `/fotos/${id}`;

interface AnimalsQuery {
  tipo?: string;
  raca?: string;
  page?: number;
}

export function registerCatalog(app: FastifyInstance, { readonlyDb, s3, bucket }: CatalogOptions): void {
  app.get<{ Querystring: AnimalsQuery }>(
    '/api/animais',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tipo: { type: 'string', enum: [...TIPOS] },
            raca: { type: 'string', maxLength: 100, pattern: RACA.source },
            page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
          },
        },
      },
    },
    async (request) => {
      const { tipo, raca, page = 1 } = request.query;
      const conditions = [
        ...(tipo ? [{ sql: 'tipo = ?', value: tipo }] : []),
        ...(raca ? [{ sql: 'raca = ?', value: raca }] : []),
      ];
      const filter = conditions.length > 0 ? `WHERE ${conditions.map((c) => c.sql).join(' AND ')}` : '';
      const args = conditions.map((condition) => condition.value);
      const [[counted], [rows]] = await Promise.all([
        readonlyDb.query<RowDataPacket[]>(
          `SELECT COUNT(*) AS total FROM animais_disponiveis ${filter}`,
          args,
        ),
        readonlyDb.query<RowDataPacket[]>(
          `SELECT id, nome, tipo, raca FROM animais_disponiveis ${filter} ORDER BY id DESC LIMIT ? OFFSET ?`,
          [...args, PAGE_SIZE, (page - 1) * PAGE_SIZE],
        ),
      ]);
      const total = Number(counted[0]?.total ?? 0);
      const animals: Animal[] = rows.map((row) => ({
        id: Number(row.id),
        nome: row.nome as string,
        tipo: row.tipo as string,
        raca: row.raca as string,
        photo: photoPath(Number(row.id)),
      }));
      return { animals, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), total };
    },
  );

  app.get('/api/racas', async () => {
    const [rows] = await readonlyDb.query<RowDataPacket[]>(
      'SELECT tipo, raca, COUNT(*) AS animals FROM animais_disponiveis GROUP BY tipo, raca ORDER BY tipo, raca',
    );
    return rows.map((row) => ({
      tipo: row.tipo as string,
      raca: row.raca as string,
      animals: Number(row.animals),
    }));
  });

  app.get<{ Params: { id: number } }>(
    '/fotos/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } } } },
    async (request, reply) => {
      const [rows] = await readonlyDb.query<RowDataPacket[]>(
        'SELECT object_key, content_type FROM animais_disponiveis WHERE id = ?',
        [request.params.id],
      );
      const row = rows[0];
      if (!row) return reply.code(404).send({ error: `no animal ${request.params.id}` });
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: row.object_key as string }));
        // A catalog row's photo never changes: its name and object are allocated once.
        return reply
          .type(row.content_type as string)
          .header('cache-control', 'public, max-age=86400, immutable')
          .header('x-content-type-options', 'nosniff')
          .send(object.Body as Readable);
      } catch (error) {
        if (error instanceof NoSuchKey)
          return reply.code(404).send({ error: 'the photo is not in the bucket' });
        throw error;
      }
    },
  );
}
