// The image loop's signals and query: defined once, used by the workflow and every client.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ImageLoopStatus } from './images';
import { TEMPORAL_CONTRACTS } from './temporal';

const { queries, signals } = TEMPORAL_CONTRACTS.images.workflows.imageLoop;
export const pauseImageLoop = defineSignal(signals.pause);
export const resumeImageLoop = defineSignal(signals.resume);
export const imageLoopStatus = defineQuery<ImageLoopStatus>(queries.status);
