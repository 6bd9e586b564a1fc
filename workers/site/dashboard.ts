// The live dashboard's data: one snapshot of the trends (read with the read-only account, the
// same report the trend loop makes), views per 10 s over the last hour, the stream's freshness,
// and the image loop's state (queried from Temporal), sent to every open dashboard as server-sent
// events. One snapshot is made per refresh, however many dashboards are open.
import type { Client } from '@temporalio/client';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { buildTrendReport, viewsPer10Seconds } from '../../activities/trends/report';
import { imageLoopStatus } from '../../contracts/image-loop-messages';
import {
  type ImageCycleSummary,
  IMAGE_LOOP_WORKFLOW_ID,
  type ImageLoopStatus,
  type RejectedImage,
} from '../../contracts/images';
import { TREND_REPORT_LOOP_WORKFLOW_ID, type TrendReport } from '../../contracts/trends';
import { photoPath } from './catalog';

export interface DashboardOptions {
  readonlyDb: Pool;
  /** null: no Temporal to ask (the image loop's state is then unknown). */
  temporal: { client: Client; uiUrl: string; namespace: string } | null;
  staleAfterSeconds: number;
  refreshMs: number;
}

export interface ImageLoopState {
  state: 'running' | 'paused' | 'not running' | 'unknown';
  /** Why the state is not known, or how the loop ended. */
  detail?: string;
  status?: ImageLoopStatus;
  /** What the latest completed cycle rejected, and why (at most ten). */
  latestRejections?: RejectedImage[];
}

export interface DashboardSnapshot {
  generatedAt: string;
  window: TrendReport['window'];
  viewsInWindow: number;
  topBreeds: Array<TrendReport['topBreeds'][number] & { photo: string | null }>;
  topAnimals: Array<TrendReport['topAnimals'][number] & { photo: string }>;
  unknownAnimals: TrendReport['unknownAnimals'];
  lateClicks: TrendReport['lateClicks'];
  viewsPer10s: Array<{ bucketStart: string; views: number }>;
  peakHourToday: TrendReport['peakHourToday'];
  peakHourOverall: TrendReport['peakHourOverall'];
  freshness: TrendReport['freshness'] & { staleAfterSeconds: number };
  imageLoop: ImageLoopState;
  /** The Temporal Web UI: each workflow's page. */
  links: { temporalUi: string | null; workflows: Record<string, string> };
}

const HOUR_MS = 3_600_000;
const TOP = 5;
/** A query needs a worker to answer; without one the dashboard says so instead of waiting. */
const QUERY_TIMEOUT_MS = 3000;

const BUCKET_MS = 10_000;
const hourAgo = (now: Date): Date =>
  new Date(Math.floor((now.getTime() - HOUR_MS) / BUCKET_MS) * BUCKET_MS + BUCKET_MS);

/** Every 10-second bucket of the last hour, those without a counted view at 0, for an even axis. */
function everyBucket(counted: Array<{ bucketStart: string; views: number }>, now: Date) {
  const views = new Map(counted.map((point) => [point.bucketStart, point.views]));
  const series: Array<{ bucketStart: string; views: number }> = [];
  for (let at = hourAgo(now).getTime(); at <= now.getTime(); at += BUCKET_MS) {
    const bucketStart = new Date(at).toISOString();
    series.push({ bucketStart, views: views.get(bucketStart) ?? 0 });
  }
  return series;
}

/** A breed's photo: its newest image. */
async function photosOf(readonlyDb: Pool, breeds: TrendReport['topBreeds']): Promise<Map<string, number>> {
  if (breeds.length === 0) return new Map();
  const [rows] = await readonlyDb.query<RowDataPacket[]>(
    `SELECT tipo, raca, MAX(id) AS id FROM animais_disponiveis
      WHERE (tipo, raca) IN (${breeds.map(() => '(?, ?)').join(', ')}) GROUP BY tipo, raca`,
    breeds.flatMap((breed) => [breed.tipo, breed.raca]),
  );
  return new Map(rows.map((row) => [`${row.tipo}/${row.raca}`, Number(row.id)]));
}

/** A completed cycle's result never changes: the latest one is fetched once. */
const cycleRejections = new Map<string, RejectedImage[]>();

async function latestRejections(client: Client, status: ImageLoopStatus): Promise<RejectedImage[]> {
  const latest = [...status.lastCycles].reverse().find((cycle) => cycle.status === 'completed');
  if (!latest) return [];
  let rejected = cycleRejections.get(latest.workflowId);
  if (!rejected) {
    const summary = await client.workflow
      .getHandle<() => Promise<ImageCycleSummary>>(latest.workflowId)
      .result();
    rejected = summary.rejected.slice(0, 10);
    cycleRejections.clear();
    cycleRejections.set(latest.workflowId, rejected);
  }
  return rejected;
}

async function imageLoopState(temporal: DashboardOptions['temporal']): Promise<ImageLoopState> {
  if (!temporal) return { state: 'unknown', detail: 'o site não tem conexão com o Temporal' };
  const handle = temporal.client.workflow.getHandle(IMAGE_LOOP_WORKFLOW_ID);
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return { state: 'not running', detail: `última execução: ${status.name}` };
    let timer: NodeJS.Timeout | undefined;
    const status_ = await Promise.race([
      handle.query(imageLoopStatus),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('nenhum worker respondeu à consulta de estado')),
          QUERY_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return {
      state: status_.paused ? 'paused' : 'running',
      status: status_,
      latestRejections: await latestRejections(temporal.client, status_),
    };
  } catch (error) {
    const message = (error as Error).message;
    if ((error as Error).name === 'WorkflowNotFoundError')
      return { state: 'not running', detail: 'nunca iniciado' };
    return { state: 'unknown', detail: message };
  }
}

export async function dashboardSnapshot(
  options: DashboardOptions,
  now = new Date(),
): Promise<DashboardSnapshot> {
  const { readonlyDb, temporal, staleAfterSeconds } = options;
  // Live: the minute that ends with the 10-second bucket now filling (the trend loop's reports
  // take whole buckets only), so a click shows as soon as the stream has counted it.
  const liveTick = new Date(Math.ceil((now.getTime() + 1) / BUCKET_MS) * BUCKET_MS);
  const [report, viewsPer10s, imageLoop] = await Promise.all([
    buildTrendReport(readonlyDb, { tick: liveTick.toISOString(), top: TOP, staleAfterSeconds }, now),
    viewsPer10Seconds(readonlyDb, hourAgo(now)),
    imageLoopState(temporal),
  ]);
  const photos = await photosOf(readonlyDb, report.topBreeds);
  const workflowUrl = (workflowId: string): string =>
    `${temporal!.uiUrl}/namespaces/${encodeURIComponent(temporal!.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  const workflowIds = [
    IMAGE_LOOP_WORKFLOW_ID,
    TREND_REPORT_LOOP_WORKFLOW_ID,
    ...(imageLoop.status?.lastCycles ?? []).map((cycle) => cycle.workflowId),
  ];
  return {
    generatedAt: report.generatedAt,
    window: report.window,
    viewsInWindow: report.viewsInWindow,
    topBreeds: report.topBreeds.map((breed) => {
      const id = photos.get(`${breed.tipo}/${breed.raca}`);
      return { ...breed, photo: id === undefined ? null : photoPath(id) };
    }),
    topAnimals: report.topAnimals.map((animal) => ({ ...animal, photo: photoPath(animal.animalId) })),
    unknownAnimals: report.unknownAnimals,
    lateClicks: report.lateClicks,
    viewsPer10s: everyBucket(viewsPer10s, now),
    peakHourToday: report.peakHourToday,
    peakHourOverall: report.peakHourOverall,
    freshness: { ...report.freshness, staleAfterSeconds },
    imageLoop,
    links: {
      temporalUi: temporal
        ? `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows`
        : null,
      workflows: temporal ? Object.fromEntries(workflowIds.map((id) => [id, workflowUrl(id)])) : {},
    },
  };
}

export function registerDashboard(app: FastifyInstance, options: DashboardOptions): void {
  app.get('/api/tendencias', () => dashboardSnapshot(options));

  // Every open dashboard gets the same snapshot, made once per refresh while any is open.
  const streams = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  const send = (stream: ServerResponse, message: string): void => void stream.write(message);
  const snapshotMessage = async (): Promise<string> => {
    try {
      return `event: snapshot\ndata: ${JSON.stringify(await dashboardSnapshot(options))}\n\n`;
    } catch (error) {
      app.log.warn({ err: error }, 'dashboard snapshot failed');
      return `event: failure\ndata: ${JSON.stringify({ error: (error as Error).message })}\n\n`;
    }
  };
  const tick = (): void => {
    void snapshotMessage().then((message) => {
      for (const stream of streams) send(stream, message);
      timer = streams.size > 0 ? setTimeout(tick, options.refreshMs) : undefined;
    });
  };

  app.get('/api/tendencias/stream', (request, reply) => {
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    stream.write(`retry: ${Math.round(options.refreshMs)}\n\n`);
    streams.add(stream);
    request.raw.on('close', () => streams.delete(stream));
    // The first snapshot at once; then the shared ones.
    void snapshotMessage().then((message) => send(stream, message));
    if (timer === undefined) timer = setTimeout(tick, options.refreshMs);
  });

  // Open streams would keep the server from closing.
  app.addHook('preClose', (done) => {
    clearTimeout(timer);
    for (const stream of streams) stream.end();
    streams.clear();
    done();
  });
}
