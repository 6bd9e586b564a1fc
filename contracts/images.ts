// The contract of the image pipeline's workflows: every client (CLI, tctl, Airflow) uses these names,
// declared in temporal.json.
import { formatWorkflowId, TEMPORAL_CONTRACTS } from './temporal';

const { images } = TEMPORAL_CONTRACTS;

/** The kind of animal, as the catalog and the click events name it. */
export type Tipo = 'cachorro' | 'gato';

export const IMAGES_TASK_QUEUE = images.taskQueue;
export const IMAGE_CYCLE_WORKFLOW_TYPE = 'imageCycle' satisfies keyof typeof images.workflows;

export interface ImageCycleInput {
  /** Dog images to fetch (default 10, at most 50). */
  dogs?: number;
  /** Cat images to fetch (default 10, at most 50). */
  cats?: number;
  /** Images stored at the same time (default 4, at most 20). */
  concurrency?: number;
}

/** `images-cycle:<ISO time>`: the loop's tick, or the moment a manual run was asked for. */
export function imageCycleWorkflowId(at: Date): string {
  return formatWorkflowId(images.workflows.imageCycle.workflowId, { time: at.toISOString() });
}

export interface StoredImage {
  tipo: string;
  raca: string;
  nome: string;
  url: string;
}

export interface SkippedImage {
  sourceUrl: string;
  /** The stored image it duplicates, when known. */
  nome?: string;
  reason: string;
}

export interface RejectedImage {
  sourceUrl?: string;
  /** The failure type: an `ErrorType` for bad input, otherwise what went wrong after retries. */
  type: string;
  reason: string;
}

export interface ImageCycleSummary {
  stored: StoredImage[];
  duplicates: SkippedImage[];
  rejected: RejectedImage[];
  /** Earlier cycles' reservations this cycle healed; absent when there were none. */
  healed?: HealedReservations;
}

/**
 * A reservation older than this belongs to a store activity that gave up (its schedule-to-close
 * timeout is half of it): the next cycle heals it.
 */
export const ABANDONED_RESERVATION_SECONDS = 600;

export interface HealedReservations {
  /** Finished under their reserved names, from the uploaded object or from the source again. */
  stored: StoredImage[];
  /** Their sources are gone: each number goes to the next image of its breed. */
  released: Array<{ nome: string; sourceUrl?: string; reason: string }>;
  /** Still failing (a service down): the next cycle tries again. */
  pending: Array<{ objectKey: string; reason: string }>;
}

export const IMAGE_LOOP_WORKFLOW_TYPE = 'imageLoop' satisfies keyof typeof images.workflows;
/** One loop per namespace: starting it again joins the running one. */
export const IMAGE_LOOP_WORKFLOW_ID = images.workflows.imageLoop.workflowId;

export interface ImageLoopInput {
  /** Seconds between cycle starts, on a fixed grid (default 30). */
  intervalSeconds?: number;
  /** What each cycle fetches. */
  cycle?: ImageCycleInput;
  /** Ticks per run before continuing as new (default 500), so history stays small. */
  ticksPerRun?: number;
  /** Carried over by continue-as-new; leave unset when starting. */
  state?: ImageLoopState;
}

export interface CycleRecord {
  workflowId: string;
  status: 'running' | 'completed' | 'failed';
  stored?: number;
  duplicates?: number;
  rejected?: number;
  error?: string;
}

export interface ImageLoopState {
  paused: boolean;
  nextTickMs?: number;
  cyclesStarted: number;
  /** Ticks that found the previous cycle still running: skipped, not queued. */
  cyclesSkipped: number;
  cyclesFailed: number;
  totals: { stored: number; duplicates: number; rejected: number };
  /** The latest cycles, newest last (at most 10). */
  lastCycles: CycleRecord[];
}

export interface ImageLoopStatus extends ImageLoopState {
  /** When the next cycle starts; null while paused. */
  nextTickAt: string | null;
}
