// The contract of the image pipeline's workflows: every client (CLI, tctl, Airflow) uses these names.

export const IMAGES_TASK_QUEUE = 'pet-adota-images';
export const IMAGE_CYCLE_WORKFLOW_TYPE = 'imageCycle';

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
  return `images-cycle:${at.toISOString()}`;
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
}
