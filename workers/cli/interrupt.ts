// Ctrl-C and SIGTERM for every command: the first one interrupts what the command is waiting for
// at that moment (it then says what goes on without it, and exits; what it does after that is
// bounded by its own timeouts); a second one exits at once. Nothing waits for ever on a signal.

export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

const controller = new AbortController();
/** Aborted, with the signal's name as its reason, on the first SIGINT or SIGTERM. */
export const interruption: AbortSignal = controller.signal;

/** 128 + the signal's number, as a shell reports a command a signal ended. */
export function exitCodeFor(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (controller.signal.aborted) process.exit(exitCodeFor(signal));
      controller.abort(signal);
    });
  }
}

/**
 * Rejects with Interrupted when the first signal arrives; never settles once it has arrived (after
 * it, only the second signal, which exits, interrupts). A rejection handler is always attached.
 */
export function whenInterrupted(): Promise<never> {
  const interrupted = new Promise<never>((_, reject) => {
    if (interruption.aborted) return;
    interruption.addEventListener(
      'abort',
      () => reject(new Interrupted(interruption.reason as NodeJS.Signals)),
      { once: true },
    );
  });
  interrupted.catch(() => undefined);
  return interrupted;
}

/** `work`, unless the first signal arrives first. */
export function untilInterrupted<T>(work: Promise<T>): Promise<T> {
  return Promise.race([work, whenInterrupted()]);
}

/** Resolves after `ms`, or when the first signal arrives. */
export function pause(ms: number): Promise<void> {
  return untilInterrupted(new Promise<void>((resolve) => setTimeout(resolve, ms))).catch(() => undefined);
}

/** `work`, or `onTimeout()`'s error after `ms`, whatever signal arrives meanwhile. */
export function within<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
