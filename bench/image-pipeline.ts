// Benchmark of the image pipeline on this machine's real services (S3 server, MariaDB,
// Temporal dev server) with the local pet API serving ~100 KB JPEGs. Prints:
//   - imageCycle latency p50/p95 for 20 images (10 dogs + 10 cats), over --cycles runs;
//   - backfill throughput for --backfill images (cycles of 25 + 25 started together): the first
//     run, on a cold worker, apart, then the median of --backfills runs after it, and the CPU share
//     of each service meanwhile (the pet API runs as its own process);
//   - images-loop start-time drift from the 30-second grid over --loop-minutes, read from
//     the loop's workflow history (when each child cycle actually started vs its tick).
// The targets are issue 15's: backfill ≥ 300 images/s, a 20-image cycle p95 ≤ 1 s.
// Everything runs in an isolated namespace, database, bucket and task queues; nothing of a
// running platform is touched, and everything is removed at the end.
//
// `--worker-processes N` runs the platform's workers in N processes of their own, as the stack
// does with WORKERS=N, instead of in this one.
//
//   node --import tsx bench/image-pipeline.ts [--cycles 15] [--backfill 1000] [--backfills 5]
//     [--loop-minutes 10] [--worker-processes 0]
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import {
  IMAGE_LOOP_WORKFLOW_ID,
  IMAGES_TASK_QUEUE,
  type ImageCycleInput,
  imageCycleWorkflowId,
} from '../contracts/images';
import { imageCycle, imageLoop } from '../workflows';
import { readSetting } from '../platform/settings';
import { describeShares, measureCpu, stackServices } from './cpu';
import { type ImagePlatform, startImagePlatform } from './image-platform';
import { figure, median, percentile, printResults, runBenchmark } from './stats';

const { values: options } = parseArgs({
  options: {
    cycles: { type: 'string', default: '15' },
    backfill: { type: 'string', default: '1000' },
    backfills: { type: 'string', default: '5' },
    'loop-minutes': { type: 'string', default: '10' },
    'worker-processes': { type: 'string', default: '0' },
  },
});
const CYCLES = Number(options.cycles);
const BACKFILL = Number(options.backfill);
const BACKFILLS = Number(options.backfills);
const LOOP_MINUTES = Number(options['loop-minutes']);
const WORKER_PROCESSES = Number(options['worker-processes']);

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function runCycle(client: Client, input: ImageCycleInput, tag: string): Promise<number> {
  const summary = await client.workflow.execute(imageCycle, {
    taskQueue: IMAGES_TASK_QUEUE,
    workflowId: `${imageCycleWorkflowId(new Date())}:${tag}`,
    args: [input],
  });
  if (summary.rejected.length > 0)
    throw new Error(`cycle rejected images: ${JSON.stringify(summary.rejected)}`);
  return summary.stored.length;
}

async function cycleLatency(client: Client): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    const started = performance.now();
    await runCycle(client, { dogs: 10, cats: 10 }, `latency-${i}`);
    latencies.push(performance.now() - started);
    process.stdout.write(`  cycle ${i + 1}/${CYCLES}: ${seconds(latencies.at(-1)!)}\n`);
  }
  return latencies;
}

async function backfill(
  { client, env, petApiPid, workerPids }: ImagePlatform,
  run: number,
): Promise<{ stored: number; ms: number }> {
  // 25 + 25: what one request to each API returns (The Cat API's `limit` tops out at 25 here).
  const perCycle = 50;
  const cycles = Math.ceil(BACKFILL / perCycle);
  const cpu = measureCpu(() => ({
    ...stackServices(String(readSetting(env, 'PETADOTA_DATA_DIR'))),
    'pet API': petApiPid,
    ...(workerPids.length === 0
      ? { 'workers (this process)': process.pid }
      : {
          'this process (the client)': process.pid,
          ...Object.fromEntries(workerPids.map((pid, i) => [`worker ${i + 1}`, pid])),
        }),
  }));
  const started = performance.now();
  const stored = await Promise.all(
    Array.from({ length: cycles }, (_, i) =>
      runCycle(client, { dogs: perCycle / 2, cats: perCycle / 2, concurrency: 20 }, `backfill-${run}-${i}`),
    ),
  );
  const ms = performance.now() - started;
  console.log(`  run ${run}: ${describeShares(cpu.stop())}`);
  return { stored: stored.reduce((a, b) => a + b, 0), ms };
}

/** Start-time drift of each cycle the loop started: child start event time minus its tick. */
async function loopDrift(client: Client): Promise<number[]> {
  const handle = await client.workflow.start(imageLoop, {
    taskQueue: IMAGES_TASK_QUEUE,
    workflowId: IMAGE_LOOP_WORKFLOW_ID,
    args: [{ cycle: { dogs: 10, cats: 10 } }],
  });
  for (let minute = 1; minute <= LOOP_MINUTES; minute++) {
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    process.stdout.write(`  loop: ${minute}/${LOOP_MINUTES} min\n`);
  }
  await handle.terminate('benchmark over');
  const drifts: number[] = [];
  const history = await handle.fetchHistory();
  for (const event of history.events ?? []) {
    const started = event.childWorkflowExecutionStartedEventAttributes;
    if (!started || !event.eventTime) continue;
    const tick = Date.parse(started.workflowExecution!.workflowId!.replace('images-cycle:', ''));
    const at = Number(event.eventTime.seconds) * 1000 + Math.floor((event.eventTime.nanos ?? 0) / 1e6);
    drifts.push(at - tick);
  }
  return drifts;
}

async function main(): Promise<void> {
  const platform = await startImagePlatform('images', WORKER_PROCESSES);
  const { client } = platform;
  const lines: string[] = [];
  try {
    console.log(`\n1. imageCycle latency, 20 images per cycle, ${CYCLES} cycles one after another`);
    const latencies = await cycleLatency(client);
    const p95 = percentile(latencies, 95);
    lines.push(figure('cycle latency p50 (20 images)', seconds(percentile(latencies, 50))));
    lines.push(figure('cycle latency p95 (20 images)', seconds(p95), { text: '≤ 1 s', met: p95 <= 1000 }));

    console.log(
      `\n2. backfill of ${BACKFILL} images, 1 + ${BACKFILLS} times: cycles of 25 + 25 (concurrency 20) started together`,
    );
    // The first backfill runs on a cold worker (why was not profiled: its pools growing to the
    // backfill's concurrency, its code not yet optimised): it ran 13 to 28 % slower than the runs
    // after it (237, 261 and 235 images/s against medians of 329, 301 and 315, 2026-12-08). It is
    // printed apart; the throughput is the median of the runs after it: one backfill of 1,000
    // lasts about 3 s here, and single warm runs of the same code differed by a tenth.
    const rates: number[] = [];
    for (let run = 0; run <= BACKFILLS; run++) {
      const filled = await backfill(platform, run);
      const perSecond = filled.stored / (filled.ms / 1000);
      if (run === 0)
        lines.push(figure(`backfill throughput, first run (cold)`, `${perSecond.toFixed(0)} images/s`));
      else rates.push(perSecond);
      console.log(
        `  run ${run}${run === 0 ? ' (cold)' : ''}: ${filled.stored} images in ${seconds(filled.ms)}, ${perSecond.toFixed(0)}/s`,
      );
    }
    const rate = median(rates);
    lines.push(
      figure(
        `backfill throughput (median of the ${BACKFILLS} runs of ${BACKFILL} images after it)`,
        `${rate.toFixed(0)} images/s`,
        {
          text: '≥ 300 images/s',
          met: rate >= 300,
        },
      ),
    );

    if (LOOP_MINUTES > 0) {
      console.log(`\n3. images-loop for ${LOOP_MINUTES} minutes: start drift from the 30-second grid`);
      const drifts = await loopDrift(client);
      const worst = Math.max(...drifts);
      lines.push(figure(`loop cycles started`, String(drifts.length)));
      lines.push(figure('loop start drift p50', seconds(percentile(drifts, 50))));
      lines.push(figure('loop start drift p95', seconds(percentile(drifts, 95))));
      lines.push(figure('loop start drift max', seconds(worst), { text: '≤ 1 s', met: worst <= 1000 }));
    }
  } finally {
    await platform.remove();
  }
  printResults(lines);
}

runBenchmark(main);
