import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { createTrendActivities } from '../../activities/trends';
import type { TrendReportRequest } from '../../activities/trends/report';
import type { SimulationPlan, SimulationProgress } from '../../activities/trends/simulator';
import { latestTrendReport } from '../../contracts/trend-loop-messages';
import {
  type RecountSummary,
  recountTrendsWorkflowId,
  type SimulationSummary,
  type TrendReport,
} from '../../contracts/trends';
import { recountTrends, simulateInteractions, trendReportLoop } from '../../workflows';
import { uniqueName } from '../kit/platform';
import { startTimeSkippingEnvironment, withWorker } from '../kit/timeskipping';

type TrendActivities = ReturnType<typeof createTrendActivities>;

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkippingEnvironment();
});
after(async () => {
  await env?.teardown();
});

function reportFor(request: TrendReportRequest): TrendReport {
  return {
    tick: request.tick,
    generatedAt: request.tick,
    window: { start: request.tick, end: request.tick },
    topBreeds: [{ rank: 1, tipo: 'gato' as const, raca: 'persa', views: 3 }].slice(0, request.top),
    topAnimals: [],
    unknownAnimals: { views: 0, ids: [] },
    viewsInWindow: 3,
    lateClicks: { lastHour: 0, longestLatenessSeconds: null },
    peakHourToday: null,
    peakHourOverall: null,
    freshness: { newestEventAt: null, ageSeconds: null, stale: true },
  };
}

/** Report activities that record what they were asked; `failTicks` fail for good (non-retryable). */
function reportActivities(failTicks: Set<number> = new Set()) {
  const built: TrendReportRequest[] = [];
  const stored: TrendReport[] = [];
  const activities: Pick<TrendActivities, 'buildTrendReport' | 'storeTrendReport'> = {
    buildTrendReport: (request) => {
      built.push(request);
      if (failTicks.has(built.length)) {
        throw ApplicationFailure.create({ type: 'AccessDenied', nonRetryable: true, message: 'denied' });
      }
      return Promise.resolve(reportFor(request));
    },
    storeTrendReport: (report) => {
      stored.push(report);
      return Promise.resolve();
    },
  };
  return { built, stored, activities };
}

test('trendReportLoop: ten minutes make twenty reports on the 30-second grid, the newest is queryable', async () => {
  const { built, stored, activities } = reportActivities();
  const workflowId = uniqueName('trends-loop');
  await withWorker(env, activities, async (taskQueue) => {
    // Start one second past a grid point: the ten minutes then hold exactly twenty ticks, however
    // long the start and the query take (started just before one, they could hold twenty-one).
    const now = await env.currentTimeMs();
    await env.sleep(30_000 - (now % 30_000) + 1000);
    const handle = await env.client.workflow.start(trendReportLoop, {
      taskQueue,
      workflowId,
      args: [{ top: 3 }],
    });
    assert.equal(await handle.query(latestTrendReport), null);
    await env.sleep('10 minutes');
    const latest = await handle.query(latestTrendReport);
    await handle.terminate('test over');

    assert.equal(built.length, 20);
    assert.deepEqual(stored, built.map(reportFor));
    const ticks = built.map((request) => Date.parse(request.tick));
    assert.ok(ticks.every((tick) => tick % 30_000 === 0));
    assert.deepEqual(new Set(ticks.slice(1).map((tick, i) => tick - ticks[i]!)), new Set([30_000]));
    assert.ok(built.every((request) => request.top === 3 && request.staleAfterSeconds === 120));
    assert.deepEqual(latest, stored.at(-1));
  });
});

test('trendReportLoop: a failed report keeps the previous one, and continue-as-new keeps the latest', async () => {
  const { built, stored, activities } = reportActivities(new Set([3]));
  const workflowId = uniqueName('trends-loop');
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start(trendReportLoop, {
      taskQueue,
      workflowId,
      args: [{ ticksPerRun: 3 }],
    });
    const firstRun = (await handle.describe()).runId;
    await env.sleep('91 seconds'); // ticks 1–3: the third fails
    assert.deepEqual(await handle.query(latestTrendReport), stored[1]);
    await env.sleep('60 seconds'); // ticks 4–5, in the second run
    const latest = await handle.query(latestTrendReport);
    const secondRun = (await handle.describe()).runId;
    await handle.terminate('test over');

    assert.notEqual(secondRun, firstRun);
    assert.equal(built.length, 5);
    assert.equal(stored.length, 4);
    assert.deepEqual(latest, stored.at(-1));
    const ticks = built.map((request) => Date.parse(request.tick));
    assert.deepEqual(new Set(ticks.slice(1).map((tick, i) => tick - ticks[i]!)), new Set([30_000]));
  });
});

test('simulateInteractions: cancelling stops the clicks and returns what was sent', async () => {
  let heartbeats = 0;
  const activities: Pick<TrendActivities, 'simulateClicks'> = {
    simulateClicks: async (plan: SimulationPlan): Promise<SimulationSummary> => {
      const context = Context.current();
      let sent = 0;
      while (!context.cancellationSignal.aborted) {
        sent += plan.eventsPerSecond / 10;
        context.heartbeat({ eventsSent: sent, perAnimal: {} });
        heartbeats += 1;
        await context.sleep(100).catch(() => undefined);
      }
      return { eventsSent: sent, seconds: 1, eventsPerSecond: sent, perAnimal: {}, cancelled: true };
    },
  };
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start(simulateInteractions, {
      taskQueue,
      workflowId: uniqueName('simulate'),
      args: [{ eventsPerSecond: 100, durationSeconds: 0, seed: 5 }],
    });
    while (heartbeats < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    await handle.cancel();
    const summary = await handle.result();
    assert.equal(summary.cancelled, true);
    assert.ok(summary.eventsSent >= 30);
    assert.equal((await handle.describe()).status.name, 'COMPLETED');
  });
});

test('simulateInteractions: a retry resumes from the progress the failed attempt heartbeated', async () => {
  const seen: { attempt: number; plan: SimulationPlan; resumeFrom?: SimulationProgress }[] = [];
  const activities: Pick<TrendActivities, 'simulateClicks'> = {
    simulateClicks: (plan) => {
      const { info } = Context.current();
      seen.push({ attempt: info.attempt, plan, resumeFrom: info.heartbeatDetails as SimulationProgress });
      if (info.attempt === 1) {
        Context.current().heartbeat({ eventsSent: 120, perAnimal: { 'gato/persa': 120 } });
        throw new Error('broker connection lost');
      }
      const from = info.heartbeatDetails as SimulationProgress;
      return Promise.resolve({
        eventsSent: 200,
        seconds: 4,
        eventsPerSecond: 50,
        perAnimal: { 'gato/persa': from.perAnimal['gato/persa']! + 80 },
        cancelled: false,
      });
    },
  };
  await withWorker(env, activities, async (taskQueue) => {
    const summary = await env.client.workflow.execute(simulateInteractions, {
      taskQueue,
      workflowId: uniqueName('simulate'),
      args: [{ eventsPerSecond: 50, durationSeconds: 4 }],
    });
    assert.deepEqual(
      seen.map(({ attempt, resumeFrom }) => [attempt, resumeFrom?.eventsSent]),
      [
        [1, undefined],
        [2, 120],
      ],
    );
    // No seed given: the workflow chose one, and the retry got the same plan.
    assert.deepEqual(seen[1]!.plan, seen[0]!.plan);
    assert.equal(Number.isInteger(seen[0]!.plan.seed), true);
    assert.deepEqual(seen[0]!.plan, {
      ...seen[0]!.plan,
      eventsPerSecond: 50,
      durationSeconds: 4,
      users: 500,
    });
    assert.deepEqual(summary.perAnimal, { 'gato/persa': 200 });
  });
});

const RECOUNT_SUMMARY: RecountSummary = {
  start: '2026-12-02T10:00:00Z',
  end: '2026-12-02T12:00:00Z',
  events: 40,
  archived_records: 30,
  kafka_records: 10,
  rows_before: 12,
  rows_after: 12,
  rows_changed: 3,
  views_before: 48,
  views_after: 40,
  counted_offsets: { '0': 15, '1': 16, '2': 15 },
  seconds: 12.5,
};

test('recountTrends: the range goes to the activity; a transient failure is retried, a wrong range is not', async () => {
  const range = { from: '2026-12-02T10:00:00Z', to: '2026-12-02T12:00:00Z' };
  const asked: Array<typeof range> = [];
  const activities: Pick<TrendActivities, 'recountTrendRange'> = {
    recountTrendRange: (input) => {
      asked.push(input);
      if (asked.length === 1)
        throw ApplicationFailure.create({ type: 'CommandFailedTransiently', message: 'MySQL is down' });
      if (input.to === input.from)
        throw ApplicationFailure.create({ type: 'CommandFailed', nonRetryable: true, message: 'bad range' });
      return Promise.resolve(RECOUNT_SUMMARY);
    },
  };
  await withWorker(env, activities, async (taskQueue) => {
    const summary = await env.client.workflow.execute(recountTrends, {
      taskQueue,
      workflowId: recountTrendsWorkflowId(range),
      args: [range],
    });
    assert.deepEqual(summary, RECOUNT_SUMMARY);
    assert.deepEqual(asked, [range, range]);
    assert.equal(recountTrendsWorkflowId(range), 'recount-trends:2026-12-02T10:00:00Z..2026-12-02T12:00:00Z');

    const empty = { from: range.from, to: range.from };
    await assert.rejects(
      env.client.workflow.execute(recountTrends, {
        taskQueue,
        workflowId: recountTrendsWorkflowId(empty),
        args: [empty],
      }),
      /Workflow execution failed/,
    );
    assert.equal(asked.length, 3, 'a non-retryable failure is not tried again');
  });
});
