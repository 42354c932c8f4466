/**
 * `npm run bench:scale [-- --k=5 --images=135 --built]`: the steady-state plan at registry.k8s.io's
 * shape, small (bench/scale-fixture.ts written straight into Distribution's storage): a dry run
 * with a few new digests, the promotion of them, and a rerun. Reports plan requests ÷ the list
 * floor (one tag list per destination repository), wall time, peak RSS and the report's size.
 * Writes bench/results/scale.json. `--runs=dry,promote,rerun` picks runs; `--placement=replicate`
 * writes the signatures on every mirror (as `--signature-placement replicate` leaves them) instead
 * of the first only; `--hold` only writes the
 * fixture and keeps the registries up until Ctrl-C (for runs by hand). Loopback only; not run in CI.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { startMirrors, startStaging, stopAll, type Fronted } from './env.js';
import { buildScaleFixture, scaleCounts, SCALE_SPEC, StorageWriter, type ScaleImage } from './scale-fixture.js';
import { kpromoCommand, peakRssOf, type KpromoCommand } from './tools.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const k = Number(arg('k') ?? 5);
const spec = {
  ...SCALE_SPEC,
  images: Number(arg('images') ?? SCALE_SPEC.images),
  projects: Number(arg('projects') ?? SCALE_SPEC.projects),
  fresh: Number(arg('fresh') ?? SCALE_SPEC.fresh),
};
/** `--skip-verify-existing`: leave out the dry run that HEADs every tag (one request per edge: long at full scale). */
const skipVerify = args.includes('--skip-verify-existing');
/** Where the fixture's signatures are: the first mirror (canonical, registry.k8s.io's) or every mirror (replicate). */
const placement = arg('placement') ?? 'canonical';
if (placement !== 'canonical' && placement !== 'replicate') throw new Error(`--placement=${placement}: use canonical or replicate`);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (s: string) => process.stderr.write(s + '\n');

interface RunResult {
  name: string;
  wallMs: number;
  exit: number;
  peakRssMiB: number;
  requests: number;
  byKind: Record<string, number>;
  listFloor: number;
  ratio: number;
  /** The floor on a registry whose tag lists carry no digests: the lists plus one HEAD per tagless digest per mirror. */
  distributionFloor: number;
  distributionRatio: number;
  reportBytes: number;
  planCounts?: Record<string, number>;
  presentBy?: Record<string, number>;
  counts?: Record<string, number>;
}

async function runOnce(cmd: KpromoCommand, name: string, manifest: string, dir: string, flags: string[], all: Fronted[], listFloor: number, distributionFloor: number): Promise<RunResult> {
  for (const f of all) f.proxy.reset();
  const report = join(dir, `${name}.json`);
  const t0 = performance.now();
  const child = spawn(cmd.command, [...cmd.args, 'cip', '--manifest', manifest, '--sign=false', '--report-file', report, ...flags], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: dir, DOCKER_CONFIG: dir },
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, peakRssOf(child.pid ?? 0))), 20);
  const exit = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1))).finally(() => clearInterval(sampler));
  const wallMs = Math.round(performance.now() - t0);
  if (exit !== 0) log(`  ${name}: exit ${exit}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
  const byKind: Record<string, number> = {};
  let requests = 0;
  for (const f of all) {
    const c = f.proxy.counters();
    requests += c.requests;
    for (const [kind, n] of Object.entries(c.byKind)) byKind[kind] = (byKind[kind] ?? 0) + (n ?? 0);
  }
  const parsed = JSON.parse(await readFile(report, 'utf8')) as Pick<RunResult, 'planCounts' | 'presentBy' | 'counts'>;
  const reportBytes = (await stat(report)).size;
  return {
    name, wallMs, exit, peakRssMiB: Math.round(peak / 1024 / 1024), requests, byKind, listFloor,
    ratio: Math.round((requests / listFloor) * 100) / 100, reportBytes,
    distributionFloor, distributionRatio: Math.round((requests / distributionFloor) * 1000) / 1000,
    planCounts: parsed.planCounts, presentBy: parsed.presentBy, counts: parsed.counts,
  };
}

async function writeStorage(images: ScaleImage[], staging: Fronted, mirrors: Fronted[]): Promise<void> {
  // many small files: written 64 at a time (one after another took 5 minutes at full scale)
  const limit = pLimit(64);
  const jobs: Array<Promise<void>> = [];
  const s = new StorageWriter(join(staging.registry.dir, 'data'));
  for (const img of images) for (const d of [...img.digests, ...img.fresh]) jobs.push(limit(() => s.write(`staging/${img.name}`, d)));
  for (const [i, m] of mirrors.entries()) {
    const w = new StorageWriter(join(m.registry.dir, 'data'));
    for (const img of images) for (const d of img.digests) jobs.push(limit(() => w.write(`prod/${img.name}`, d)));
    // the promoted digests are signed on the first mirror (canonical placement, as on registry.k8s.io) or on all
    if (i === 0 || placement === 'replicate') for (const img of images) for (const d of img.digests) jobs.push(limit(() => w.signature(`prod/${img.name}`, d)));
  }
  await Promise.all(jobs);
}

async function main(): Promise<void> {
  const images = buildScaleFixture(spec);
  const counts = scaleCounts(images);
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-scale-'));
  const staging = await startStaging();
  const mirrors = await startMirrors(k);
  const all = [staging, ...mirrors];
  try {
    const t0 = performance.now();
    await writeStorage(images, staging, mirrors);
    log(`fixture: ${JSON.stringify(counts)} × ${k} mirrors, written in ${Math.round(performance.now() - t0)} ms`);
    const manifest = join(dir, 'promoter-manifest.yaml');
    const doc = {
      registries: [{ name: `${staging.proxy.host}/staging`, src: true }, ...mirrors.map((m) => ({ name: `${m.proxy.host}/prod` }))],
      images: images.map((img) => ({
        name: img.name,
        dmap: Object.fromEntries([...img.digests, ...img.fresh].map((d) => [d.data.digest, d.tags])),
      })),
    };
    await writeFile(manifest, JSON.stringify(doc));
    if (args.includes('--hold')) {
      // keep the registries up for runs by hand (profiling); Ctrl-C ends it
      log(`holding: manifest ${manifest}; stop with Ctrl-C`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      return;
    }
    const cmd = kpromoCommand(root, !args.includes('--built'));
    const listFloor = images.length * k;
    // on Distribution a list carries no digests: a tagless digest costs a HEAD on every mirror that
    // lists no attachment of it (all but the first with canonical signatures, none with replicated ones)
    const distributionFloor = listFloor + counts.tagless * (placement === 'replicate' ? 0 : k - 1);
    log(`list floor ${listFloor}; with a HEAD per tagless digest per mirror (Distribution) ${distributionFloor}`);
    const results: RunResult[] = [];
    const runs: Array<readonly [string, readonly string[]]> = [
      ['dry run', []],
      ['dry run --verify-existing', ['--verify-existing']],
      ['promote', ['--confirm']],
      ['rerun', ['--confirm']],
    ];
    const only = arg('runs')?.split(',');
    const chosen = runs.filter(([n]) => !(skipVerify && n.includes('verify')) && (!only || only.includes(n.replace(/ .*/, ''))));
    for (const [name, flags] of chosen) {
      log(`${name} …`);
      const r = await runOnce(cmd, name.replace(/ /g, '-'), manifest, dir, [...flags], all, listFloor, distributionFloor);
      log(`  ${r.wallMs} ms, ${r.requests} requests (${r.ratio} × list floor ${listFloor}), peak RSS ${r.peakRssMiB} MiB, report ${r.reportBytes} B`);
      log(`  by kind ${JSON.stringify(r.byKind)}; plan ${JSON.stringify(r.planCounts)}; present by ${JSON.stringify(r.presentBy)}`);
      results.push(r);
    }
    const out = join(root, 'bench', 'results', 'scale.json');
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify({ date: new Date().toISOString(), mirrors: k, placement, fixture: counts, results }, null, 2) + '\n');
    process.stdout.write(table(results, counts, k));
  } finally {
    await stopAll(all);
    await rm(dir, { recursive: true, force: true });
  }
}

function table(rs: RunResult[], c: ReturnType<typeof scaleCounts>, k: number): string {
  const head = `fixture: ${c.images} images, ${c.digests} digests (${c.indexes} indexes), ${c.tags} tags, ${c.tagless} tagless, ${c.fresh} new; ${k} mirrors; signatures ${placement}\n\n`;
  const rows = rs.map((r) =>
    `| ${r.name} | ${r.exit} | ${r.wallMs} | ${r.requests} | ${r.listFloor} | ${r.ratio} | ${r.distributionRatio} | ${r.byKind['tags'] ?? 0} | ${r.byKind['manifest-head'] ?? 0} | ${r.peakRssMiB} | ${r.reportBytes} |`,
  );
  return `${head}| run | exit | wall ms | requests | list floor | ÷ list floor | ÷ Distribution floor | tag lists | manifest HEADs | peak RSS MiB | report bytes |\n|---|---|---|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`;
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:scale failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
