/**
 * The two promoters the benchmark times: kpromo in-process through its CLI entry point
 * (`main`, no process start-up cost) and skopeo (Debian package) as one `skopeo copy` per
 * image and mirror, run in parallel.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { main, type CliIO } from '../src/cli/main.js';
import type { HostStats } from '../src/net/stats.js';

/** What one timed run produced. */
export interface ToolRun {
  wallMs: number;
  ok: boolean;
  /** Peak RSS of this process during the run (kpromo only), bytes. */
  peakRss?: number;
  /** kpromo's own per-host network stats (from its report). */
  hosts?: HostStats[];
  /** kpromo: edges promoted (each verified by one HEAD after the copy). */
  promoted?: number;
  /** kpromo: phase durations from its report. */
  phases?: { name: string; durationMs: number }[];
  error?: string;
}

/** Runs `kpromo cip --manifest FILE --confirm` in-process; samples RSS while it runs. */
export async function runKpromo(manifest: string, dir: string, extraArgs: string[] = []): Promise<ToolRun> {
  const report = join(dir, `report-${Date.now()}.json`);
  let err = '';
  const io: CliIO = {
    stdout: () => {},
    stderr: (s) => void (err += s),
    isTTY: false,
    env: { HOME: dir, DOCKER_CONFIG: dir },
  };
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  let code: number;
  try {
    // Signing is not part of the copy benchmark (it needs an identity; skopeo does not sign either).
    code = await main(['cip', '--manifest', manifest, '--confirm', '--sign=false', '--report-file', report, ...extraArgs], io);
  } finally {
    clearInterval(sampler);
  }
  const wallMs = performance.now() - t0;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  let parsed: { requests?: HostStats[]; counts?: { promoted?: number }; phases?: { name: string; durationMs: number }[] } = {};
  try {
    parsed = JSON.parse(await readFile(report, 'utf8')) as typeof parsed;
  } catch {
    parsed = {};
  }
  const phases = parsed.phases?.map((p) => ({ name: p.name, durationMs: Math.round(p.durationMs) }));
  return { wallMs, ok: code === 0, peakRss, hosts: parsed.requests, promoted: parsed.counts?.promoted, phases, error: code === 0 ? undefined : err.trim().split('\n').slice(-3).join(' | ') };
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
