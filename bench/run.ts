/**
 * `npm run bench [-- --quick]`: kpromo against the request floor of performance.md §4 and
 * against skopeo, on loopback Distribution registries (staging + K mirrors, K = 4 quick,
 * K = 20 full), each tool in its own processes (kpromo built first; `--from-source` runs it
 * through tsx). Prints a markdown table and writes bench/results/latest.json. Not run in CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaging, stopAll } from './env.js';
import { kpromoCommand } from './tools.js';
import { measure, SCENARIOS, type Measurement, type RunContext, type Tool } from './scenarios.js';
import { formatTable } from './table.js';
import { learningReads } from './floor.js';
import { buildWorkload, FULL, pushWorkload, QUICK } from './workload.js';
import { pushAttachmentWorkload } from './attachments.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const kArg = args.find((a) => a.startsWith('--k='));
const k = kArg ? Number(kArg.slice(4)) : quick ? 4 : 20;
const qps = args.find((a) => a.startsWith('--qps='))?.slice(6);
const only = args.find((a) => a.startsWith('--scenario='))?.slice(11);
const fromSource = args.includes('--from-source');
/** `--latency 30ms` / `--latency=30ms`: also time cold and rerun with this round trip to every registry. */
const latencyArg = args.find((a) => a.startsWith('--latency='))?.slice(10) ?? (args.includes('--latency') ? args[args.indexOf('--latency') + 1] : undefined);
const latencyMs = latencyArg === undefined ? undefined : parseDuration(latencyArg);
/** The scenarios re-timed under --latency. */
const LATENCY_SCENARIOS = ['cold', 'rerun'];

function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(s.trim());
  if (!m) throw new Error(`--latency ${s}: use e.g. 30ms or 0.03s`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `source 49/51 (tags +8, referrers +1), mirror 1 89/97 (tags|manifest-head +8), …; total tags|manifest-head +40, …`. */
function formatAbove(hosts: Measurement['aboveFloor']): string {
  const total: Record<string, number> = {};
  const parts = hosts.map((h) => {
    for (const [k, v] of Object.entries(h.byKind)) total[k] = (total[k] ?? 0) + v;
    const kinds = Object.entries(h.byKind).map(([k, v]) => `${k} ${v > 0 ? '+' : ''}${v}`);
    return `${h.host} ${h.requests}/${h.floor}${kinds.length ? ` (${kinds.join(', ')})` : ''}`;
  });
  const sum = Object.entries(total).filter(([, v]) => v !== 0).map(([k, v]) => `${k} ${v > 0 ? '+' : ''}${v}`);
  return `${parts.join('; ')}; total ${sum.join(', ') || '0'}`;
}

function hasSkopeo(): boolean {
  return spawnSync('skopeo', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function run(): Promise<void> {
  const spec = quick ? QUICK : FULL;
  const workload = buildWorkload(spec);
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-bench-'));
  const staging = await startStaging();
  const log = (s: string) => process.stderr.write(s + '\n');
  try {
    await pushWorkload(staging.registry, 'staging', workload);
    const kpromo = kpromoCommand(root, fromSource);
    const ctx: RunContext = { dir, staging, workload, k, skopeoDeadlineMs: quick ? 12_000 : 600_000, kpromoArgs: qps ? ['--registry-qps', qps] : [], kpromo, ...(qps ? { qps: Number(qps) } : {}) };
    const tools: Tool[] = hasSkopeo() ? ['kpromo', 'skopeo'] : ['kpromo'];
    if (tools.length === 1) log('skopeo not found: measuring kpromo only');
    const results: Measurement[] = [];
    const runs = SCENARIOS.filter((s) => !only || s.name.startsWith(only)).map((sc) => ({ sc, latency: undefined as number | undefined }));
    if (runs.some((r) => r.sc.attachments)) ctx.attachments = await pushAttachmentWorkload(staging, workload);
    if (latencyMs) runs.push(...SCENARIOS.filter((s) => LATENCY_SCENARIOS.includes(s.name)).map((sc) => ({ sc, latency: latencyMs })));
    // under latency skopeo's copies take longer: give them room before calling them failed
    const deadline = (lat: number | undefined) => (lat ? { ...ctx, skopeoDeadlineMs: ctx.skopeoDeadlineMs * 10 } : ctx);
    for (const { sc, latency } of runs) {
      for (const tool of tools) {
        log(`${sc.name}${latency ? ` @ ${latency} ms RTT` : ''} / ${tool} …`);
        const m = await measure(sc, tool, deadline(latency), { latencyMs: latency });
        log(`  ${m.wallMs} ms, ${m.requests} requests (floor ${m.floor.total}), ok=${m.ok}, verified=${m.verified}${m.error ? `, error: ${m.error}` : ''}`);
        if (tool === 'kpromo') {
          log(`  above the floor, by host and kind: ${formatAbove(m.aboveFloor)}`);
          const learn = learningReads(workload.counts, sc.states(k), true);
          log(`  floor + the reads that learn what exists (${learn}): ${m.floor.total + learn}; requests / that: ${(m.requests / (m.floor.total + learn)).toFixed(2)}`);
        }
        if (m.cpu) log(`  CPU: bench (proxies) ${m.cpu.benchMs} ms, registries ${m.cpu.registriesMs} ms${m.cpuMs ? `, kpromo ${m.cpuMs} ms` : ''}, machine busy ${m.cpu.machineBusyMs} ms (${Math.round(m.cpu.machineBusyShare * 100)} % of all CPUs)`);
        results.push(m);
      }
    }
    const meta = {
      date: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      mirrors: k,
      kpromoQps: qps ?? 'default',
      ...(latencyMs ? { latencyMs } : {}),
      kpromoProcess: fromSource ? 'child process, src through tsx' : 'child process, built bin/kpromo.js',
      workload: { ...spec, ...workload.counts, uniqueBytes: workload.uniqueBytes },
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
    };
    process.stdout.write(formatTable(meta, results));
    const out = join(root, 'bench', 'results', 'latest.json');
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify({ ...meta, results }, null, 2) + '\n');
    log(`wrote ${out}`);
  } finally {
    await stopAll([staging]);
    if (!process.env.BENCH_KEEP) await rm(dir, { recursive: true, force: true });
  }
}

run().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
