// The contract of the trend workflows and the click events: every client (CLI, tctl, Airflow,
// the Spark job through interaction-event.schema.json) uses these names.
import type { Tipo } from './images';
import { formatWorkflowId, TEMPORAL_CONTRACTS } from './temporal';

const { trends } = TEMPORAL_CONTRACTS;
export const TRENDS_TASK_QUEUE = trends.taskQueue;

/** The Kafka message of one click; its JSON Schema is interaction-event.schema.json. */
export interface InteractionEvent {
  event_id: string;
  /** A signed-in user's number, or a visitor's opaque id (the site's cookie). */
  usuario_id: number | string;
  raca: string;
  tipo: Tipo;
  /** ISO-8601 UTC, e.g. `2026-11-22T14:03:07.125Z`. */
  timestamp: string;
  animal_id?: number;
}

export const SIMULATE_INTERACTIONS_WORKFLOW_TYPE =
  'simulateInteractions' satisfies keyof typeof trends.workflows;

export interface SimulateInteractionsInput {
  /** Events per second (default 50). */
  eventsPerSecond?: number;
  /** How long to run, in seconds (default 60; 0 runs until cancelled). */
  durationSeconds?: number;
  /** Same seed, same events (ids, users, animals, order); default: random. */
  seed?: number;
  /** Simulated site users (default 500). */
  users?: number;
  /** `kafka` (default): straight to the topic; `collector`: through the site's POST /v1/clicks. */
  via?: 'kafka' | 'collector';
}

/** `simulate-interactions:<ISO time>` for a run started at that moment. */
export function simulateInteractionsWorkflowId(at: Date): string {
  return formatWorkflowId(trends.workflows.simulateInteractions.workflowId, { time: at.toISOString() });
}

/** `simulate-interactions:`: a run named by its caller (`--id`) keeps this prefix. */
export const SIMULATION_WORKFLOW_ID_PREFIX = trends.workflows.simulateInteractions.workflowId.split('{')[0]!;

export interface SimulationSummary {
  eventsSent: number;
  seconds: number;
  eventsPerSecond: number;
  /** Events per `tipo/raca`, so a test or a reader knows what the trend report should show. */
  perAnimal: Record<string, number>;
  cancelled: boolean;
}

export const TREND_REPORT_LOOP_WORKFLOW_TYPE = 'trendReportLoop' satisfies keyof typeof trends.workflows;
/** One report loop per namespace: starting it again joins the running one. */
export const TREND_REPORT_LOOP_WORKFLOW_ID = trends.workflows.trendReportLoop.workflowId;

export interface TrendReportLoopInput {
  /** Seconds between reports, on a fixed grid (default 30). */
  intervalSeconds?: number;
  /** Breeds and animals in the top lists (default 5 each). */
  top?: number;
  /** The stream counts as stale when its newest counted event is older than this (default 120 s). */
  staleAfterSeconds?: number;
  /** Ticks per run before continuing as new (default 500). */
  ticksPerRun?: number;
  /** Carried over by continue-as-new; leave unset when starting. */
  latest?: TrendReport | null;
  /** Carried over by continue-as-new; leave unset when starting. */
  nextTickMs?: number;
}

export interface BreedViews {
  rank: number;
  tipo: Tipo;
  raca: string;
  views: number;
}

/** One animal of the catalog (animais_disponiveis), by the clicks that name its id. */
export interface AnimalViews {
  rank: number;
  animalId: number;
  /** Its image name, e.g. `labrador_03`. */
  nome: string;
  tipo: Tipo;
  raca: string;
  /** Its photo in the object store. */
  url: string;
  views: number;
}

export interface PeakHour {
  /** Start of the event-time hour, ISO-8601 UTC. */
  hourStart: string;
  views: number;
}

export interface TrendReport {
  /** The loop tick this report belongs to (ISO-8601 UTC). */
  tick: string;
  generatedAt: string;
  /** The last complete minute of event time: [start, end). */
  window: { start: string; end: string };
  /** The most viewed breeds in the window. */
  topBreeds: BreedViews[];
  /** The most viewed animals in the window, of the clicks naming one the catalog holds. */
  topAnimals: AnimalViews[];
  /**
   * The window's clicks whose animal_id the catalog did not hold when the stream counted them
   * (counted for their breed all the same), and up to ten of those ids, most clicked first.
   */
  unknownAnimals: { views: number; ids: number[] };
  viewsInWindow: number;
  /**
   * Valid clicks that reached Kafka more than SPARK_LATE_AFTER_SECONDS after their event time, in
   * the hour before the tick (by arrival): counted in their own buckets like the others.
   */
  lateClicks: { lastHour: number; longestLatenessSeconds: number | null };
  peakHourToday: PeakHour | null;
  peakHourOverall: PeakHour | null;
  freshness: {
    /** Event time of the newest event the stream has counted; null before any. */
    newestEventAt: string | null;
    /** Seconds between that and the report; null before any event. */
    ageSeconds: number | null;
    /** True when ageSeconds exceeds staleAfterSeconds, or no event was ever counted. */
    stale: boolean;
  };
}

export const RECOUNT_TRENDS_WORKFLOW_TYPE = 'recountTrends' satisfies keyof typeof trends.workflows;

/** A range of whole UTC hours, [from, to): ISO-8601, e.g. `2026-12-02T10:00:00Z`. */
export interface RecountTrendsInput {
  from: string;
  to: string;
}

/** `recount-trends:<from>..<to>`, the range as given: a second start of the same range joins it. */
export function recountTrendsWorkflowId(input: RecountTrendsInput): string {
  return formatWorkflowId(trends.workflows.recountTrends.workflowId, { from: input.from, to: input.to });
}

/** What a recount did (petadota_trends.recount's summary; recorded in recontagens too). */
export interface RecountSummary {
  start: string;
  end: string;
  /** Distinct events of the range, each counted once. */
  events: number;
  /** Of them, read from the archive, and from Kafka (counted by the stream, not archived yet). */
  archived_records: number;
  kafka_records: number;
  rows_before: number;
  rows_after: number;
  /** Rows of the four range tables that the recount added, removed or changed. */
  rows_changed: number;
  views_before: number;
  views_after: number;
  /** The offsets the recounted rows account for, per partition. */
  counted_offsets: Record<string, number>;
  seconds: number;
}
