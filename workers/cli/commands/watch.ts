// `bin/petadota watch`: one line every few seconds with what the platform is doing: images
// stored by the loop, clicks counted by the stream, the top animals of the latest report.
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { imageLoopStatus } from '../../../contracts/image-loop-messages';
import { IMAGE_LOOP_WORKFLOW_ID } from '../../../contracts/images';
import { latestTrendReport } from '../../../contracts/trend-loop-messages';
import { TREND_REPORT_LOOP_WORKFLOW_ID } from '../../../contracts/trends';
import type { PlatformConfig } from '../../../platform/config';
import { connectTemporalClient } from '../../../platform/clients';
import { Interrupted, interruption, pause, untilInterrupted } from '../interrupt';
import { wholeNumber } from '../usage';

export async function watch(config: PlatformConfig, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { every: { type: 'string', default: '10' } } });
  const everyMs = wholeNumber('--every', values.every, 1, 3600) * 1000;
  const client = await connectTemporalClient(config.temporal);
  try {
    while (!interruption.aborted) {
      const time = new Date().toISOString().slice(11, 19);
      // A line that cannot be made (Temporal restarting) says why; the next one tries again.
      const line = await untilInterrupted(summaryLine(client)).catch((error: unknown) =>
        error instanceof Interrupted ? undefined : `(no summary: ${(error as Error).message})`,
      );
      if (line !== undefined) console.log(`[${time}] ${line}`);
      await pause(everyMs);
    }
  } finally {
    await client.connection.close();
  }
  return 0;
}

/** The workflow's handle when it is running, else undefined (a closed one still answers queries). */
async function ifRunning(client: Client, workflowId: string) {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe().catch(() => undefined);
  return description?.status.name === 'RUNNING' ? handle : undefined;
}

async function summaryLine(client: Client): Promise<string> {
  return `${await imagesPart(client)} | ${await trendsPart(client)}`;
}

async function imagesPart(client: Client): Promise<string> {
  const loop = await ifRunning(client, IMAGE_LOOP_WORKFLOW_ID);
  if (!loop) return 'images-loop not running';
  const status = await loop.query(imageLoopStatus);
  return `images ${status.totals.stored} stored in ${status.cyclesStarted} cycles${status.paused ? ' (paused)' : ''}`;
}

async function trendsPart(client: Client): Promise<string> {
  const loop = await ifRunning(client, TREND_REPORT_LOOP_WORKFLOW_ID);
  if (!loop) return 'trends-loop not running';
  const report = await loop.query(latestTrendReport);
  if (!report) return 'no trend report yet';
  const top = report.topBreeds
    .slice(0, 3)
    .map((breed) => `${breed.tipo}/${breed.raca} ${breed.views}`)
    .join(', ');
  const { ageSeconds, stale } = report.freshness;
  const age = ageSeconds === null ? 'no click counted yet' : `newest ${ageSeconds} s old`;
  return `clicks last minute ${report.viewsInWindow} (${age}${stale ? ', STALE' : ''}) | top: ${top || '-'}`;
}
