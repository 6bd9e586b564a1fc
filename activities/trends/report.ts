// The trend report: read from the trend tables the stream job fills and the catalog (with the
// read-only account), stored in relatorios_tendencia (with the stream account), one per loop tick.
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Tipo } from '../../contracts/images';
import type { PeakHour, TrendReport } from '../../contracts/trends';

export interface TrendReportRequest {
  /** The loop tick (ISO-8601): the report describes event time up to it. */
  tick: string;
  top: number;
  staleAfterSeconds: number;
}

const BUCKET_MS = 10_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const UNKNOWN_IDS_SHOWN = 10;

/**
 * The last complete minute before the tick, on the 10-second buckets: six whole buckets, so the
 * window slides every 10 s. Buckets still filling (the one holding the tick) are left out.
 */
export function reportWindow(tick: Date): { start: Date; end: Date } {
  const end = new Date(Math.floor(tick.getTime() / BUCKET_MS) * BUCKET_MS);
  return { start: new Date(end.getTime() - MINUTE_MS), end };
}

export async function buildTrendReport(
  readonly: Pool,
  request: TrendReportRequest,
  now: Date = new Date(),
): Promise<TrendReport> {
  const tick = new Date(request.tick);
  const window = reportWindow(tick);
  const [top] = await readonly.query<RowDataPacket[]>(
    `SELECT tipo, raca, SUM(visualizacoes) AS views
       FROM visualizacoes_10s
      WHERE bucket_inicio >= ? AND bucket_inicio < ?
      GROUP BY tipo, raca
      ORDER BY views DESC, tipo, raca`,
    [window.start, window.end],
  );
  // Today in UTC, like every time the platform stores.
  const today = new Date(Math.floor(tick.getTime() / DAY_MS) * DAY_MS);
  const peakHour = async (from: Date | null): Promise<PeakHour | null> => {
    const [rows] = await readonly.query<RowDataPacket[]>(
      `SELECT hora_inicio, SUM(visualizacoes) AS views
         FROM visualizacoes_hora
        WHERE ? IS NULL OR (hora_inicio >= ? AND hora_inicio < ?)
        GROUP BY hora_inicio
        ORDER BY views DESC, hora_inicio
        LIMIT 1`,
      [from, from, from && new Date(from.getTime() + DAY_MS)],
    );
    const row = rows[0];
    return row ? { hourStart: (row.hora_inicio as Date).toISOString(), views: Number(row.views) } : null;
  };
  const [newest] = await readonly.query<RowDataPacket[]>(
    'SELECT MAX(ultimo_evento_em) AS newest FROM visualizacoes_10s',
  );
  const newestEventAt = (newest[0]?.newest as Date | null) ?? null;
  const ageSeconds = newestEventAt ? Math.max(0, (now.getTime() - newestEventAt.getTime()) / 1000) : null;

  // The names and photos from the catalog as it is now; an id it holds only since the stream
  // counted it is listed here and still counted as unknown below.
  const [animals] = await readonly.query<RowDataPacket[]>(
    `SELECT v.animal_id, SUM(v.visualizacoes) AS views, a.nome, a.tipo, a.raca, a.url
       FROM visualizacoes_animal_10s v JOIN animais_disponiveis a ON a.id = v.animal_id
      WHERE v.bucket_inicio >= ? AND v.bucket_inicio < ?
      GROUP BY v.animal_id, a.nome, a.tipo, a.raca, a.url
      ORDER BY views DESC, v.animal_id
      LIMIT ?`,
    [window.start, window.end, request.top],
  );
  const [unknown] = await readonly.query<RowDataPacket[]>(
    `SELECT animal_id, SUM(desconhecidas) AS views
       FROM visualizacoes_animal_10s
      WHERE bucket_inicio >= ? AND bucket_inicio < ? AND desconhecidas > 0
      GROUP BY animal_id
      ORDER BY views DESC, animal_id`,
    [window.start, window.end],
  );
  const [late] = await readonly.query<RowDataPacket[]>(
    `SELECT COALESCE(SUM(cliques), 0) AS clicks, MAX(maior_atraso_ms) AS longest_ms
       FROM cliques_atrasados
      WHERE chegada_minuto >= ? AND chegada_minuto < ?`,
    [new Date(tick.getTime() - HOUR_MS), tick],
  );
  const longestMs = late[0]?.longest_ms as number | string | null;

  return {
    tick: tick.toISOString(),
    generatedAt: now.toISOString(),
    window: { start: window.start.toISOString(), end: window.end.toISOString() },
    topBreeds: top.slice(0, request.top).map((row, index) => ({
      rank: index + 1,
      tipo: row.tipo as Tipo,
      raca: row.raca as string,
      views: Number(row.views),
    })),
    topAnimals: animals.map((row, index) => ({
      rank: index + 1,
      animalId: Number(row.animal_id),
      nome: row.nome as string,
      tipo: row.tipo as Tipo,
      raca: row.raca as string,
      url: row.url as string,
      views: Number(row.views),
    })),
    unknownAnimals: {
      views: unknown.reduce((sum, row) => sum + Number(row.views), 0),
      ids: unknown.slice(0, UNKNOWN_IDS_SHOWN).map((row) => Number(row.animal_id)),
    },
    viewsInWindow: top.reduce((sum, row) => sum + Number(row.views), 0),
    lateClicks: {
      lastHour: Number(late[0]?.clicks ?? 0),
      longestLatenessSeconds: longestMs === null || longestMs === undefined ? null : Number(longestMs) / 1000,
    },
    peakHourToday: await peakHour(today),
    peakHourOverall: await peakHour(null),
    freshness: {
      newestEventAt: newestEventAt?.toISOString() ?? null,
      ageSeconds: ageSeconds === null ? null : Math.round(ageSeconds * 10) / 10,
      stale: ageSeconds === null || ageSeconds > request.staleAfterSeconds,
    },
  };
}

/** Views per 10-second bucket from `since` on, oldest first; buckets without a view are left out. */
export async function viewsPer10Seconds(
  readonly: Pool,
  since: Date,
): Promise<Array<{ bucketStart: string; views: number }>> {
  const [rows] = await readonly.query<RowDataPacket[]>(
    `SELECT bucket_inicio, SUM(visualizacoes) AS views
       FROM visualizacoes_10s
      WHERE bucket_inicio >= ?
      GROUP BY bucket_inicio
      ORDER BY bucket_inicio`,
    [since],
  );
  return rows.map((row) => ({
    bucketStart: (row.bucket_inicio as Date).toISOString(),
    views: Number(row.views),
  }));
}

/** One row per tick: storing the same tick again replaces it (a retried activity). */
export async function storeTrendReport(stream: Pool, report: TrendReport): Promise<void> {
  await stream.query(
    `INSERT INTO relatorios_tendencia (tick_em, gerado_em, relatorio) VALUES (?, ?, ?)
     ON DUPLICATE KEY UPDATE gerado_em = VALUES(gerado_em), relatorio = VALUES(relatorio)`,
    [new Date(report.tick), new Date(report.generatedAt), JSON.stringify(report)],
  );
}
