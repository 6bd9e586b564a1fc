// The site's click collector: throughput and latency with acks=all, batched and one event per
// request, at 1k and 10k events/s and at the highest rate it sustains; then click-to-dashboard
// freshness (a click posted to the collector until the dashboard's live stream shows it counted).
// On an isolated platform (database, accounts, topics) with the trends Spark job running and the
// site in a process of its own (bin/petadota site), every service on this machine; this process
// only sends, over keep-alive connections.
//
//   node --import tsx bench/collector.ts [--seconds 20] [--probes 30]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import { freePort } from '../test/kit/free-port';
import { isolatedEnv, provisionIsolatedPlatform, removeIsolatedPlatform } from '../test/kit/isolated';
import { startTrendsJob, type TrendsJob } from '../test/kit/trends-job';
import { type CliServer, startCliServer } from './cli-server';
import { figure, percentile, printResults, runBenchmark } from './stats';

const { values: options } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, probes: { type: 'string', default: '30' } },
});
const PHASE_SECONDS = Number(options.seconds);
const PROBES = Number(options.probes);
const BATCH = 500;
/** Batched rates tried, in order, for the highest one the collector sustains. */
const SEARCH_RATES = [20_000, 30_000, 40_000, 60_000, 80_000];
const env = isolatedEnv({ SPARK_TRIGGER_SECONDS: '1', WEB_REFRESH_SECONDS: '1' });
const config = loadConfig(env);
const sparkDir = mkdtempSync(join(tmpdir(), 'petadota-bench-collector-'));
let site: CliServer;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

const click = (at: string) =>
  JSON.stringify({
    event_id: randomUUID(),
    usuario_id: 42,
    raca: 'labrador',
    tipo: 'cachorro',
    timestamp: at,
  });

/** The collector's answer: 202 once Kafka has every event, 503 when it could not in time. */
function post(body: string, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request(
      `${site.origin}/v1/clicks`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status === 202 || status === 503) resolve(status);
          else reject(new Error(`the collector answered ${status}`));
        });
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

interface Phase {
  label: string;
  target: number;
  /** Events acknowledged per second. */
  achieved: number;
  latencies: number[];
  /** Requests answered 503 (not acknowledged in time). */
  refused: number;
}

/**
 * Sends `rate` events/s for the phase, `perRequest` events in each request, on a fixed schedule
 * (requests are not held back by slow answers: their latency counts from when they were due).
 */
async function phase(label: string, rate: number, perRequest: number): Promise<Phase> {
  const requestsPerSecond = rate / perRequest;
  const total = Math.round(requestsPerSecond * PHASE_SECONDS);
  const latencies: number[] = [];
  let refused = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / requestsPerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = new Date().toISOString();
    const body =
      perRequest === 1 ? click(at) : Array.from({ length: perRequest }, () => click(at)).join('\n');
    const sent: Promise<void> = post(
      body,
      perRequest === 1 ? 'application/json' : 'application/x-ndjson',
    ).then((status) => {
      if (status === 202) latencies.push(performance.now() - due);
      else refused += 1;
    });
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
    // Bounded: a collector that cannot keep up shows as a lower achieved rate, not as memory.
    if (inFlight.size >= 256) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  return { label, target: rate, achieved: (latencies.length * perRequest) / seconds, latencies, refused };
}

function describe(result: Phase): string {
  return figure(
    `collector ${result.label}`,
    `${result.achieved.toFixed(0)} events/s (target ${result.target}), latency p50 ${percentile(result.latencies, 50).toFixed(1)} ms, p99 ${percentile(result.latencies, 99).toFixed(1)} ms${result.refused > 0 ? `, ${result.refused} requests refused (503)` : ''}`,
  );
}

const sustained = (result: Phase): boolean => result.refused === 0 && result.achieved >= result.target * 0.95;

/** Seconds from posting one click until the dashboard's live stream shows it counted. */
async function clickToDashboard(): Promise<number[]> {
  const seconds: number[] = [];
  const controller = new AbortController();
  const stream = await fetch(`${site.origin}/api/tendencias/stream`, { signal: controller.signal });
  const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let newest = 0;
  const waiters: Array<{ at: number; resolve: () => void }> = [];
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (!message.startsWith('event: snapshot') || !data) continue;
        const snapshot = JSON.parse(data) as { freshness: { newestEventAt: string | null } };
        newest = snapshot.freshness.newestEventAt ? Date.parse(snapshot.freshness.newestEventAt) : 0;
        for (const waiter of waiters.splice(0)) {
          if (newest >= waiter.at) waiter.resolve();
          else waiters.push(waiter);
        }
      }
    }
  })();
  for (let i = 0; i < PROBES; i++) {
    const at = Date.now();
    const shown = new Promise<void>((resolve) => waiters.push({ at, resolve }));
    if ((await post(click(new Date(at).toISOString()), 'application/json')) !== 202)
      throw new Error('a probe click was refused');
    await shown;
    seconds.push((Date.now() - at) / 1000);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  controller.abort();
  return seconds;
}

async function main(): Promise<void> {
  console.log(
    `collector benchmark: topic ${config.kafka.interactionsTopic}, database ${config.mysql.database}`,
  );
  await provisionIsolatedPlatform(config, { bucket: true, topics: true });
  let job: TrendsJob | undefined;
  const lines: string[] = [];
  try {
    job = startTrendsJob(env, { dir: sparkDir, uiPort: await freePort() });
    site = await startCliServer('site', '/healthz', { env });
    await job.active();
    await phase('warm-up', 5000, BATCH);

    console.log('\n1. one event per request');
    for (const rate of [1000, 10_000]) {
      process.stdout.write(`  ${rate / 1000}k/s …\n`);
      const result = await phase(`single-event ${rate / 1000}k/s`, rate, 1);
      lines.push(describe(result));
      if (rate === 1000) {
        lines.push(
          figure('single-event p99 at 1k/s', `${percentile(result.latencies, 99).toFixed(1)} ms`, {
            text: '≤ 50 ms',
            met: percentile(result.latencies, 99) <= 50,
          }),
        );
      }
    }

    console.log(`\n2. batches of ${BATCH} events (NDJSON)`);
    for (const rate of [1000, 10_000]) {
      process.stdout.write(`  ${rate / 1000}k/s …\n`);
      lines.push(describe(await phase(`batched ${rate / 1000}k/s`, rate, BATCH)));
    }
    let best: Phase | undefined;
    for (const rate of SEARCH_RATES) {
      process.stdout.write(`  ${rate / 1000}k/s …\n`);
      const result = await phase(`batched ${rate / 1000}k/s`, rate, BATCH);
      lines.push(describe(result));
      if (!sustained(result)) break;
      best = result;
    }
    lines.push(
      figure(
        'highest sustained batched rate',
        best ? `${best.achieved.toFixed(0)} events/s` : 'below 20k/s',
        {
          text: '≥ 20,000 events/s',
          met: !!best && best.achieved >= 20_000,
        },
      ),
    );

    console.log(`\n3. click-to-dashboard: ${PROBES} clicks, one at a time`);
    const freshness = await clickToDashboard();
    lines.push(
      figure(
        'click-to-dashboard freshness',
        `p50 ${percentile(freshness, 50).toFixed(2)} s, p95 ${percentile(freshness, 95).toFixed(2)} s`,
        { text: 'p95 ≤ 5 s', met: percentile(freshness, 95) <= 5 },
      ),
    );
  } finally {
    if (site) {
      const exited = new Promise((resolve) => site.process.once('exit', resolve));
      site.process.kill('SIGTERM');
      await exited;
    }
    agent.destroy();
    await job?.stop();
    await removeIsolatedPlatform(config);
    rmSync(sparkDir, { recursive: true, force: true });
  }
  printResults(lines);
}

runBenchmark(main);
