// CPU time from /proc (Linux): of a process (every thread: user + system), and of the whole
// machine, so a result can say who used the cores and whether they were saturated.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const ticksPerSecond = (() => {
  const probe = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(probe.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

/** CPU seconds a process has used so far (utime + stime of /proc/<pid>/stat). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the file are utime and stime; fields[0] here is field 3.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Busy and total CPU seconds of the machine so far, summed over cores (/proc/stat). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: (total - idle - iowait) / ticksPerSecond, total: total / ticksPerSecond };
}

export const coreCount = cpus().length;

export interface CpuUse {
  /** CPU seconds per watched process over the interval. */
  seconds: Record<string, number>;
  /** CPU seconds the whole machine was busy (every process, every core). */
  machineBusySeconds: number;
  /** CPU seconds the machine had: elapsed time times cores. */
  machineSeconds: number;
}

/** Share of the machine's CPU that was busy, 0..1. */
export function machineBusyShare(use: CpuUse): number {
  return use.machineSeconds > 0 ? use.machineBusySeconds / use.machineSeconds : 0;
}

/** Cores used on average by processes not watched (another workload on the machine disturbs a result). */
export function otherCores(use: CpuUse): number {
  const watched = Object.values(use.seconds).reduce((n, s) => n + s, 0);
  return use.machineSeconds > 0 ? (Math.max(0, use.machineBusySeconds - watched) / use.machineSeconds) * coreCount : 0;
}

export function combineCpuUse(uses: CpuUse[]): CpuUse {
  const seconds: Record<string, number> = {};
  for (const use of uses) for (const [name, s] of Object.entries(use.seconds)) seconds[name] = (seconds[name] ?? 0) + s;
  return {
    seconds,
    machineBusySeconds: uses.reduce((n, u) => n + u.machineBusySeconds, 0),
    machineSeconds: uses.reduce((n, u) => n + u.machineSeconds, 0),
  };
}

/** Watches named processes; `start()` then the function it returns gives each one's CPU seconds in between. */
export class CpuMeter {
  constructor(private readonly pids: Record<string, number>) {}

  start(): () => CpuUse {
    const before = this.sample();
    const machineBefore = machineCpuSeconds();
    return () => {
      const after = this.sample();
      const machineAfter = machineCpuSeconds();
      const seconds = Object.fromEntries(Object.keys(this.pids).map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]));
      return { seconds, machineBusySeconds: machineAfter.busy - machineBefore.busy, machineSeconds: machineAfter.total - machineBefore.total };
    };
  }

  private sample(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.pids).map(([name, pid]) => [name, processCpuSeconds(pid)]));
  }
}
