/**
 * Where the CPU of a timed run goes (Linux /proc): the benchmark process itself (its fault
 * proxies), the Distribution registries it started, and the whole machine's busy time, so a
 * run limited by the machine's CPUs rather than by round trips shows as such.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU spent during one timed run (ms). */
export interface CpuSplit {
  /** The benchmark process: its fault proxies (and verification, outside the timed run). */
  benchMs: number;
  /** All docker-registry children of the benchmark (staging and mirrors). */
  registriesMs: number;
  /** Busy time of all CPUs of the machine (every process, kernel included). */
  machineBusyMs: number;
  /** machineBusyMs / (wall × CPUs): 1 means every CPU was busy the whole run. */
  machineBusyShare: number;
}

/** utime + stime (ms) of the process's docker-registry children that are still running. */
function registriesCpuMs(): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')) !== 'docker-registry') continue;
      const f = s.slice(s.lastIndexOf(') ') + 2).split(' ');
      // fields after the name: [1] ppid, [11] utime, [12] stime (clock ticks of 10 ms)
      if (Number(f[1]) === process.pid) total += (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      // the process exited between readdir and read
    }
  }
  return total;
}

/** Busy and total CPU time of the machine so far (ms, all CPUs). */
function machineMs(): { busy: number; all: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const all = f.reduce((a, b) => a + b, 0) * 10;
  return { busy: all - (f[3]! + f[4]!) * 10, all };
}

/** Starts measuring; the returned function gives the split since then (undefined off Linux). */
export function startCpuProbe(): () => CpuSplit | undefined {
  let start: { bench: NodeJS.CpuUsage; registries: number; machine: { busy: number; all: number } } | undefined;
  try {
    start = { bench: process.cpuUsage(), registries: registriesCpuMs(), machine: machineMs() };
  } catch {
    start = undefined;
  }
  return () => {
    if (!start) return undefined;
    const bench = process.cpuUsage(start.bench);
    const machine = machineMs();
    const busy = machine.busy - start.machine.busy;
    return {
      benchMs: Math.round((bench.user + bench.system) / 1000),
      registriesMs: registriesCpuMs() - start.registries,
      machineBusyMs: busy,
      machineBusyShare: Math.round((busy / Math.max(1, machine.all - start.machine.all)) * 100) / 100,
    };
  };
}
