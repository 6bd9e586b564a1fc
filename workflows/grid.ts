// The loops' schedule: ticks on a fixed grid of multiples of the interval (:00, :30 for 30 s),
// whatever the start time, so a slow iteration delays nothing after it.

/** The first tick at or after `nowMs`. */
export function firstTick(intervalMs: number, nowMs: number): number {
  return Math.ceil(nowMs / intervalMs) * intervalMs;
}

/** The tick after `tickMs`; ticks already past (a worker outage, a slow iteration) are skipped, not burst. */
export function nextTick(tickMs: number, intervalMs: number, nowMs: number): number {
  let next = tickMs + intervalMs;
  while (next <= nowMs) next += intervalMs;
  return next;
}
