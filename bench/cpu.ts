// Which services take this machine's cores: the CPU time of each service's process tree (from
// /proc, children that exited included), as a share of every core's time over the same span.
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessTimes {
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

/** A /proc stat line's numeric fields by their number in proc(5). */
function statFields(stat: string): (field: number) => number {
  // Fields after the command name, which may hold spaces and parentheses: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (field) => Number(fields[field - 3]);
}

/** Linux's clock tick (getconf CLK_TCK), the unit of /proc's CPU times. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds this process's main thread (its event loop) has taken: the simulator's thread that
 * hands every click to librdkafka and takes its delivery report, once its bound.
 */
export function mainThreadCpuSeconds(): number {
  const at = statFields(readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8'));
  return (at(14) + at(15)) / TICKS_PER_SECOND;
}

function processTimes(): Map<number, ProcessTimes> {
  const processes = new Map<number, ProcessTimes>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const at = statFields(stat);
    processes.set(Number(entry), { ppid: at(4), ticks: at(14) + at(15) + at(16) + at(17) });
  }
  return processes;
}

/** The ticks of `root` and its descendants, short of those under another service's root. */
function treeTicks(root: number, processes: Map<number, ProcessTimes>, otherRoots: Set<number>): number {
  let ticks = 0;
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    ticks += processes.get(pid)?.ticks ?? 0;
    for (const [child, times] of processes)
      if (times.ppid === pid && !otherRoots.has(child)) pending.push(child);
  }
  return ticks;
}

export type ServiceRoots = Record<string, number>;

export interface CpuShares {
  /** Service to its share of all cores (0 to 1); `other` is everything else that ran. */
  shares: Record<string, number>;
  /** The busy share of all cores. */
  busy: number;
}

/**
 * Starts measuring the given process trees; `stop()` returns their shares since then. A tree
 * holding another's root (this process, parent of the Spark job it started) leaves it out.
 */
export function measureCpu(roots: () => ServiceRoots): { stop(): CpuShares } {
  const snapshot = (): { machine: number; idle: number; services: Record<string, number> } => {
    const processes = processTimes();
    const services = roots();
    const rootPids = new Set(Object.values(services));
    // Every core's time: user nice system idle iowait irq softirq steal (guest is inside user).
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1, 9).map(Number);
    return {
      machine: cpu.reduce((sum, value) => sum + value, 0),
      idle: cpu[3]! + cpu[4]!,
      services: Object.fromEntries(
        Object.entries(services).map(([name, pid]) => [name, treeTicks(pid, processes, rootPids)]),
      ),
    };
  };
  const start = snapshot();
  return {
    stop() {
      const end = snapshot();
      const total = end.machine - start.machine;
      const busy = 1 - (end.idle - start.idle) / total;
      const shares: Record<string, number> = {};
      let named = 0;
      for (const [name, ticks] of Object.entries(end.services)) {
        shares[name] = Math.max(0, ticks - (start.services[name] ?? 0)) / total;
        named += shares[name];
      }
      shares.other = Math.max(0, busy - named);
      return { shares, busy };
    },
  };
}

/** The services of the local stack by their pid files (PETADOTA_DATA_DIR/run/NAME.pid). */
export function stackServices(dataDir: string): ServiceRoots {
  const run = `${dataDir}/run`;
  const roots: ServiceRoots = {};
  // Sorted, so that a service's own pid file comes first: MariaDB writes one more (mariadbd.pid)
  // with the same pid, which would count its CPU twice.
  for (const file of readdirSync(run).sort()) {
    if (!file.endsWith('.pid')) continue;
    const pid = Number(readFileSync(`${run}/${file}`, 'utf8').trim());
    if (pid > 0 && !Object.values(roots).includes(pid)) roots[file.slice(0, -'.pid'.length)] = pid;
  }
  return roots;
}

export function describeShares({ shares, busy }: CpuShares): string {
  const parts = Object.entries(shares)
    .filter(([, share]) => share >= 0.005)
    .sort(([, a], [, b]) => b - a)
    .map(([name, share]) => `${name} ${(share * 100).toFixed(0)}%`);
  return `CPU of both cores: busy ${(busy * 100).toFixed(0)}% = ${parts.join(', ')}`;
}
