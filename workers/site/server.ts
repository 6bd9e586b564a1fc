// The site: the adoption gallery (/), the click collector (POST /v1/clicks) and the live trends
// dashboard (/tendencias), on Fastify. Pages are static files that fill themselves from the JSON
// routes with the DOM API (every dynamic string through textContent, never markup); the chart
// library is served from the installed package, nothing from a CDN.
import { dirname, join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { registerCatalog } from './catalog';
import type { ClickSink } from './click-sink';
import { registerCollector } from './collector';
import { registerDashboard } from './dashboard';

export interface SiteDependencies {
  /** The read-only account: the catalog and the trend tables. */
  readonlyDb: Pool;
  s3: S3Client;
  bucket: string;
  clicks: ClickSink;
  temporal: { client: Client; uiUrl: string; namespace: string } | null;
  maxBodyBytes: number;
  maxEventsPerRequest: number;
  staleAfterSeconds: number;
  refreshMs: number;
  /** Fastify's logger: false in tests. */
  logger?: boolean;
}

const PUBLIC = join(__dirname, 'public');
// The package exports only its modules: its dist/ folder, where the browser bundle is, from the main one.
const CHART_JS = dirname(require.resolve('chart.js'));

export async function buildSite(deps: SiteDependencies): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.logger ?? true, forceCloseConnections: true });
  await app.register(fastifyCookie);
  app.addHook('onSend', async (_request, reply) => {
    // The pages run no code but their own, and load nothing from elsewhere.
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    reply.header('referrer-policy', 'same-origin');
  });
  await app.register(fastifyStatic, { root: PUBLIC, prefix: '/', index: ['index.html'] });
  await app.register(fastifyStatic, { root: CHART_JS, prefix: '/vendor/chart.js/', decorateReply: false });
  app.get('/tendencias', (_request, reply) => reply.sendFile('tendencias.html'));

  registerCollector(app, deps);
  registerCatalog(app, deps);
  registerDashboard(app, deps);

  // Up as soon as it serves; whether the catalog is there yet (before provisioning it is not) is
  // said, not made a condition: the pages say so themselves.
  app.get('/healthz', async () => {
    try {
      await deps.readonlyDb.query('SELECT 1 FROM animais_disponiveis LIMIT 1');
      return { ok: true, catalog: 'reachable' };
    } catch (error) {
      return { ok: true, catalog: `unreachable: ${(error as Error).message}` };
    }
  });
  return app;
}
