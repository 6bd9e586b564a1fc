// The image loop's signals and query: defined once, used by the workflow and every client.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ImageLoopStatus } from './images';

export const pauseImageLoop = defineSignal('pause');
export const resumeImageLoop = defineSignal('resume');
export const imageLoopStatus = defineQuery<ImageLoopStatus>('status');
