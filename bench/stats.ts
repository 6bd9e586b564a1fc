// Figures the benchmarks print: percentiles of samples, and aligned result lines.

/** The p-th percentile (0–100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** `name  value  (target …: met|MISSED)`, for the closing table of a benchmark. */
export function figure(name: string, value: string, target?: { text: string; met: boolean }): string {
  const verdict = target ? `  (target ${target.text}: ${target.met ? 'met' : 'MISSED'})` : '';
  return `${name.padEnd(44)} ${value}${verdict}`;
}

/** The closing table of a benchmark, dated. */
export function printResults(lines: readonly string[]): void {
  console.log(`\nResults (${new Date().toISOString()}, this machine):`);
  for (const line of lines) console.log(`  ${line}`);
}

/** Runs a benchmark's main; a failure is printed and exits 1. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
