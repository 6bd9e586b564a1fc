// The simulator's clicks made on a thread of their own, while this one hands the last batch to
// its sender: making, checking and encoding a click took about a third of the event loop's time
// per click, and the event loop was the simulator's bound (spark-jobs/README.md).
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type ClickBatch, encodeClicks } from './click-batches';
import type { ClickMakerData, MakeReply, MakeRequest } from './click-maker-thread';
import { ClickGenerator, type ClickGeneratorOptions } from './clicks';

/**
 * The thread's code. A worker thread does not inherit tsx's module loader (tsx issue #354:
 * Unknown file extension ".ts"), so it registers tsx itself, from where this module found it.
 */
const THREAD_CODE = [
  `require(${JSON.stringify(require.resolve('tsx/cjs'))});`,
  `require(${JSON.stringify(join(__dirname, 'click-maker-thread.ts'))});`,
].join('\n');

const NO_CLICKS = encodeClicks([]);

/** The deterministic click sequence of `ClickGenerator`, a batch at a time, made on another thread. */
export class ClickMaker {
  private readonly thread: Worker;
  private pending?: { resolve(batch: ClickBatch): void; reject(error: Error): void };
  private stopped = false;
  private lost?: Error;

  /** The sequence of `generator`, after its first `skip` clicks. */
  constructor(generator: ClickGeneratorOptions, skip: number) {
    new ClickGenerator(generator); // a bad plan fails here, before a thread starts
    const data: ClickMakerData = { generator, skip };
    this.thread = new Worker(THREAD_CODE, { eval: true, workerData: data });
    this.thread.on('message', (reply: MakeReply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (reply.kind === 'made') pending?.resolve(reply.batch);
      else pending?.reject(new Error(`the click maker failed: ${reply.message}`));
    });
    this.thread.on('error', (error) => this.fail(`the click maker's thread failed: ${error.message}`));
    this.thread.on('exit', (code) => this.fail(`the click maker's thread exited (status ${code})`));
  }

  /** The next `count` clicks of the sequence (none for 0 or less). One request at a time. */
  make(count: number): Promise<ClickBatch> {
    if (count <= 0) return Promise.resolve(NO_CLICKS);
    if (this.lost) return Promise.reject(this.lost);
    if (this.pending) return Promise.reject(new Error('the click maker takes one request at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      const request: MakeRequest = { count };
      this.thread.postMessage(request);
    });
  }

  /** Ends the thread; a request still being made is answered with no clicks. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending?.resolve(NO_CLICKS);
    this.pending = undefined;
    await this.thread.terminate();
  }

  private fail(message: string): void {
    if (this.stopped) return;
    this.lost ??= new Error(message);
    this.pending?.reject(this.lost);
    this.pending = undefined;
  }
}
