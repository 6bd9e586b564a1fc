// imageLoop (ID images-loop): starts an imageCycle child on a steady grid of ticks. A slow cycle
// delays nothing after it: a tick that finds the previous cycle still running is skipped and
// counted. Pause/resume signals, a status query, and continue-as-new keep it running for ever.
import { ParentClosePolicy, continueAsNew, setHandler, sleep, startChild } from '@temporalio/workflow';
import { imageLoopStatus, pauseImageLoop, resumeImageLoop } from '../../contracts/image-loop-messages';
import {
  type CycleRecord,
  type ImageLoopInput,
  type ImageLoopState,
  imageCycleWorkflowId,
} from '../../contracts/images';
import { firstTick, nextTick } from '../grid';
import { imageCycle } from './cycle';

const KEPT_CYCLES = 10;

export async function imageLoop(input: ImageLoopInput = {}): Promise<void> {
  const intervalMs = Math.max(1, input.intervalSeconds ?? 30) * 1000;
  const ticksPerRun = Math.max(1, input.ticksPerRun ?? 500);
  const state: ImageLoopState = input.state ?? {
    paused: false,
    cyclesStarted: 0,
    cyclesSkipped: 0,
    cyclesFailed: 0,
    totals: { stored: 0, duplicates: 0, rejected: 0 },
    lastCycles: [],
  };
  let nextTickMs = state.nextTickMs ?? firstTick(intervalMs, Date.now());
  let running: Promise<void> | undefined;

  setHandler(pauseImageLoop, () => void (state.paused = true));
  setHandler(resumeImageLoop, () => void (state.paused = false));
  setHandler(imageLoopStatus, () => ({
    ...state,
    nextTickMs,
    nextTickAt: state.paused ? null : new Date(nextTickMs).toISOString(),
  }));

  for (let tick = 0; tick < ticksPerRun; tick++) {
    await sleep(Math.max(0, nextTickMs - Date.now()));
    if (!state.paused) {
      if (running) state.cyclesSkipped += 1;
      else running = runCycle(new Date(nextTickMs)).finally(() => (running = undefined));
    }
    nextTickMs = nextTick(nextTickMs, intervalMs, Date.now());
  }
  await running;
  await continueAsNew<typeof imageLoop>({ ...input, state: { ...state, nextTickMs } });

  async function runCycle(at: Date): Promise<void> {
    const record: CycleRecord = { workflowId: imageCycleWorkflowId(at), status: 'running' };
    state.cyclesStarted += 1;
    state.lastCycles = [...state.lastCycles, record].slice(-KEPT_CYCLES);
    try {
      const child = await startChild(imageCycle, {
        workflowId: record.workflowId,
        args: [input.cycle ?? {}],
        // A cycle in flight finishes even if the loop is terminated or continues as new.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      const summary = await child.result();
      Object.assign(record, {
        status: 'completed',
        stored: summary.stored.length,
        duplicates: summary.duplicates.length,
        rejected: summary.rejected.length,
      });
      state.totals.stored += summary.stored.length;
      state.totals.duplicates += summary.duplicates.length;
      state.totals.rejected += summary.rejected.length;
    } catch (error) {
      record.status = 'failed';
      record.error = error instanceof Error ? error.message : String(error);
      state.cyclesFailed += 1;
    }
  }
}
