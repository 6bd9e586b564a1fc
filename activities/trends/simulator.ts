// Sends simulated clicks at a steady rate, one batch per pacing step, straight to Kafka or through
// the site's collector (./click-senders), the batches made on a thread of their own (./click-maker)
// while the last one is sent. Resumable: the progress it heartbeats lets a retry
// continue the same deterministic sequence where the last attempt left off.
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Tipo } from '../../contracts/images';
import type { SimulationSummary } from '../../contracts/trends';
import { type ClickSender, SendAbandoned } from './click-senders';
import { type ClickBatch, clickCount } from './click-batches';
import { ClickMaker } from './click-maker';
import { BUILT_IN_ANIMALS, type SimulatedAnimal } from './clicks';

export interface SimulationPlan {
  eventsPerSecond: number;
  /** `kafka` (default): straight to the topic; `collector`: through the site's POST /v1/clicks. */
  via?: 'kafka' | 'collector';
  /** 0: until cancelled. */
  durationSeconds: number;
  seed: number;
  users: number;
}

/** What a run has done so far: heartbeated, and where a retry resumes. */
export interface SimulationProgress {
  eventsSent: number;
  perAnimal: Record<string, number>;
  /**
   * The catalog as the first attempt read it: the animals up to this id (0: none, the built-in
   * list). A retry reads the same animals, so a click it sends again names the same animal.
   */
  catalogUpToId?: number;
}

/** The animals the simulator clicks, and the highest catalog id among them. */
export interface SimulatedCatalog {
  animals: SimulatedAnimal[];
  upToId: number;
}

export interface SimulationHooks {
  /** Progress so far, called at least every second. */
  heartbeat(progress: SimulationProgress): void;
  /** Aborted when the run is cancelled: sending stops and the summary says so. */
  cancelled: AbortSignal;
  log(message: string): void;
}

const STEP_MS = 50;

/**
 * The catalog's animals grouped by breed, those up to `upToId` when given (a retry: the catalog
 * has grown since the first attempt read it); the built-in list while the catalog is empty.
 */
export async function loadAnimals(catalog: Pool, upToId?: number): Promise<SimulatedCatalog> {
  const [rows] = await catalog.query<RowDataPacket[]>(
    'SELECT tipo, raca, id FROM animais_disponiveis WHERE id <= ? ORDER BY tipo, raca, id LIMIT 100000',
    [upToId ?? Number.MAX_SAFE_INTEGER],
  );
  const byBreed = new Map<string, SimulatedAnimal>();
  let highest = 0;
  for (const row of rows) {
    highest = Math.max(highest, Number(row.id));
    const key = `${row.tipo}/${row.raca}`;
    const animal = byBreed.get(key) ?? { tipo: row.tipo as Tipo, raca: row.raca as string, animalIds: [] };
    animal.animalIds.push(Number(row.id));
    byBreed.set(key, animal);
  }
  return { animals: byBreed.size > 0 ? [...byBreed.values()] : [...BUILT_IN_ANIMALS], upToId: highest };
}

export async function simulate(
  sender: ClickSender,
  animals: SimulatedAnimal[],
  plan: SimulationPlan,
  hooks: SimulationHooks,
  resumeFrom: SimulationProgress = { eventsSent: 0, perAnimal: {} },
): Promise<SimulationSummary> {
  const total = plan.durationSeconds > 0 ? Math.round(plan.eventsPerSecond * plan.durationSeconds) : Infinity;
  const maker = new ClickMaker(
    {
      seed: plan.seed,
      users: plan.users,
      animals,
      // Popularity shifts about once a minute at the planned rate.
      shiftEvery: Math.max(1, Math.round(plan.eventsPerSecond * 60)),
    },
    resumeFrom.eventsSent,
  );
  const progress: SimulationProgress = { ...resumeFrom, perAnimal: { ...resumeFrom.perAnimal } };
  let started = 0;
  /** How many clicks are due now past those sent and the `queued` ones on their way. */
  const dueCount = (queued: number): number => {
    const elapsed = Date.now() - started;
    const due = Math.min(total, resumeFrom.eventsSent + Math.floor((plan.eventsPerSecond * elapsed) / 1000));
    return Math.min(sender.batchSize, due - progress.eventsSent - queued);
  };
  let lastBeat = 0;
  let lastLog = 0;
  try {
    await sender.open();
    started = lastLog = Date.now();
    try {
      // The batch the maker is making: the next one is asked for while the last is on its way
      // (when it is due already, that is when sending falls behind the rate).
      let making: Promise<ClickBatch> | undefined;
      while (progress.eventsSent < total && !hooks.cancelled.aborted) {
        const batch = await (making ?? maker.make(dueCount(0)));
        making = undefined;
        const count = clickCount(batch);
        if (count > 0) {
          const sending = sender.send(batch);
          const ahead = dueCount(count);
          if (ahead > 0) {
            making = maker.make(ahead);
            // Awaited on the next turn; handled now in case sending fails first and the loop ends.
            making.catch(() => undefined);
          }
          try {
            await sending;
          } catch (error) {
            // Stopped before the clicks were taken: they were not sent, and are not counted.
            if (error instanceof SendAbandoned) break;
            throw error;
          }
          for (const [key, clicks] of Object.entries(batch.perAnimal)) {
            progress.perAnimal[key] = (progress.perAnimal[key] ?? 0) + clicks;
          }
          progress.eventsSent += count;
        } else {
          await new Promise((resolve) => setTimeout(resolve, STEP_MS));
        }
        const now = Date.now();
        if (now - lastBeat >= 1000) {
          hooks.heartbeat(progress);
          lastBeat = now;
        }
        if (now - lastLog >= 5000) {
          const rate = ((progress.eventsSent - resumeFrom.eventsSent) / (now - started)) * 1000;
          hooks.log(`sent ${progress.eventsSent} clicks (${rate.toFixed(0)}/s)`);
          lastLog = now;
        }
      }
    } finally {
      await sender.close();
    }
  } finally {
    await maker.stop();
  }
  hooks.heartbeat(progress);
  const seconds = (Date.now() - started) / 1000;
  return {
    eventsSent: progress.eventsSent,
    seconds,
    eventsPerSecond: seconds > 0 ? (progress.eventsSent - resumeFrom.eventsSent) / seconds : 0,
    perAnimal: progress.perAnimal,
    cancelled: hooks.cancelled.aborted,
  };
}
