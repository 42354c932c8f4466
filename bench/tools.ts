/**
 * The two promoters the benchmark times, each in its own processes so neither shares the
 * benchmark's event loop (where the fault proxies run): kpromo as one child process of the
 * built CLI (`bin/kpromo.js`, or `src/cli` through tsx), and skopeo (Debian package) as one
 * `skopeo copy` per image and mirror, run in parallel.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { HostStats } from '../src/net/stats.js';

/** What one timed run produced. */
export interface ToolRun {
  wallMs: number;
  ok: boolean;
  /** Peak RSS of the kpromo process during the run (VmHWM), bytes. */
  peakRss?: number;
  /** CPU time of the kpromo process (user + system), as last sampled before it exited (within 20 ms). */
  cpuMs?: number;
  /** kpromo's own per-host network stats (from its report). */
  hosts?: HostStats[];
  /** kpromo: edges promoted. */
  promoted?: number;
  /** kpromo: phase durations from its report. */
  phases?: { name: string; durationMs: number }[];
  error?: string;
}

/** How to start kpromo: the command and the arguments before `cip`. */
export interface KpromoCommand {
  command: string;
  args: string[];
}

/**
 * Builds the CLI (`npm run build` → dist/) and returns how to start it; with `fromSource`, runs
 * `src/cli/entry.ts` through tsx instead (no build, but tsx's start-up counts in the wall time).
 */
export function kpromoCommand(root: string, fromSource = false): KpromoCommand {
  // BENCH_NODE_ARGS: extra node flags for the kpromo process (e.g. --cpu-prof), for investigations
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  if (fromSource) return { command: process.execPath, args: [...nodeArgs, '--import', 'tsx', join(root, 'bench', 'kpromo-entry.ts')] };
  const built = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, encoding: 'utf8' });
  // tsc emits despite type errors elsewhere in the tree (others' work in progress); say so, carry on
  if (built.status !== 0) process.stderr.write(`build reported errors (dist still emitted):\n${(built.stdout ?? '').split('\n').slice(0, 5).join('\n')}\n`);
  return { command: process.execPath, args: [...nodeArgs, join(root, 'bin', 'kpromo.js')] };
}

/** The process's peak RSS so far (VmHWM, Linux), or 0 when unreadable (it exited). */
export function peakRssOf(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The process's CPU time so far (user + system, Linux; clock ticks of 10 ms), or 0 when unreadable. */
function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Runs `kpromo cip --manifest FILE --confirm` as a child process; samples its peak RSS while it runs. */
export async function runKpromo(cmd: KpromoCommand, manifest: string, dir: string, extraArgs: string[] = []): Promise<ToolRun> {
  const report = join(dir, `report-${Date.now()}.json`);
  // Signing is not part of the copy benchmark (it needs an identity; skopeo does not sign either).
  const args = [...cmd.args, 'cip', '--manifest', manifest, '--confirm', '--sign=false', '--report-file', report, ...extraArgs];
  const t0 = performance.now();
  const child = spawn(cmd.command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: dir, DOCKER_CONFIG: dir } });
  let err = '';
  child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
  let peakRss = 0;
  let cpuMs = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, peakRssOf(child.pid ?? 0));
    cpuMs = Math.max(cpuMs, cpuMsOf(child.pid ?? 0));
  }, 20);
  const code = await new Promise<number>((resolve) => {
    child.on('error', (e) => ((err += String(e)), resolve(-1)));
    child.on('close', (c) => resolve(c ?? -1));
  }).finally(() => clearInterval(sampler));
  const wallMs = performance.now() - t0;
  let parsed: { requests?: HostStats[]; counts?: { promoted?: number }; phases?: { name: string; durationMs: number }[] } = {};
  try {
    parsed = JSON.parse(await readFile(report, 'utf8')) as typeof parsed;
  } catch {
    parsed = {};
  }
  const phases = parsed.phases?.map((p) => ({ name: p.name, durationMs: Math.round(p.durationMs) }));
  return { wallMs, ok: code === 0, peakRss: peakRss || undefined, cpuMs: cpuMs || undefined, hosts: parsed.requests, promoted: parsed.counts?.promoted, phases, error: code === 0 ? undefined : err.trim().split('\n').slice(-3).join(' | ') };
}

/** One skopeo copy: source and destination references without the transport prefix. */
export interface CopyPair {
  src: string;
  dst: string;
}

/** A policy that accepts everything, so skopeo does not depend on the machine's policy.json. */
async function policyFile(dir: string): Promise<string> {
  const file = join(dir, 'skopeo-policy.json');
  await writeFile(file, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  return file;
}

function skopeoCopy(policy: string, pair: CopyPair, dir: string, signal: AbortSignal): Promise<string | undefined> {
  if (signal.aborted) return Promise.resolve('deadline passed');
  const args = [
    '--policy', policy,
    'copy', '--all', '--preserve-digests', '--retry-times', '3', '--quiet',
    '--src-tls-verify=false', '--dest-tls-verify=false',
    `docker://${pair.src}`, `docker://${pair.dst}`,
  ];
  return new Promise((resolve) => {
    const child = spawn('skopeo', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: dir, REGISTRY_AUTH_FILE: join(dir, 'auth.json') } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const kill = () => child.kill('SIGKILL');
    signal.addEventListener('abort', kill, { once: true });
    child.on('close', (code) => {
      signal.removeEventListener('abort', kill);
      if (signal.aborted) return resolve('deadline passed');
      resolve(code === 0 ? undefined : stderr.trim().split('\n').pop() ?? `exit ${code}`);
    });
  });
}

/** Copies every pair with skopeo, `parallel` at a time; copies still running at `deadlineMs` are killed. */
export async function runSkopeo(pairs: CopyPair[], dir: string, deadlineMs: number, parallel = 8): Promise<ToolRun> {
  const signal = AbortSignal.timeout(deadlineMs);
  const policy = await policyFile(dir);
  await writeFile(join(dir, 'auth.json'), '{"auths":{}}');
  const limit = pLimit(parallel);
  const t0 = performance.now();
  const errors = (await Promise.all(pairs.map((p) => limit(() => skopeoCopy(policy, p, dir, signal))))).filter((e): e is string => e !== undefined);
  return { wallMs: performance.now() - t0, ok: errors.length === 0, error: errors[0] };
}
