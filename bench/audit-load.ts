/**
 * Load benchmark of `kpromo audit serve` (not run in CI): the auditor in-process on loopback,
 * an in-memory registry for its reconcile, a generated manifest of IMAGES images, and a local
 * client posting EVENTS Distribution events (BATCH per request, CONCURRENCY requests in flight).
 * The mix: 80% pushes of declared tags (expected), 10% pulls, 5% signature tags, 5% rogue
 * tags (alerts); the reconcile at start alerts every image as missing (the registry is empty). Reports events/s (first send to last classification), p50/p99 classification
 * latency (request received → verdict), alerts, and heap/RSS at start, half-way and the end
 * (after a GC when node runs with --expose-gc, as the npm script does): memory stays flat when
 * the end is close to half-way.
 *
 *   npm run bench:audit -- [--events=10000] [--batch=1] [--concurrency=32] [--images=500]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { MemoryLogger } from '../src/log.js';
import { MemoryRegistryClient } from '../src/registry/memory/client.js';
import { startAudit } from '../src/audit/service/run.js';

const arg = (name: string, def: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  const n = a ? Number(a.split('=')[1]) : def;
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const EVENTS = arg('events', 10_000);
const BATCH = arg('batch', 1);
const CONCURRENCY = arg('concurrency', 32);
const IMAGES = arg('images', 500);
const TOKEN = 'bench-secret';
const HOST = 'prod.bench';

const hex = (i: number, salt: string): string => (salt + i.toString(16)).padStart(64, '0').slice(-64);
const digestOf = (i: number): string => `sha256:${hex(i, 'a')}`;

function event(i: number): object {
  const img = i % IMAGES;
  const target = (tag: string, digest: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', repository: `prod/img${img}`, tag, digest });
  const kind = i % 20;
  const action = kind < 16 ? 'push' : kind < 18 ? 'pull' : 'push';
  const t =
    kind < 18 ? target('v1', digestOf(img)) : kind === 18 ? target(`sha256-${hex(img, 'a')}.sig`, `sha256:${hex(i, 'c')}`) : target(`rogue${i}`, `sha256:${hex(i, 'f')}`);
  return { id: `e${i}`, action, target: t, request: { host: HOST } };
}

const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
function memory(label: string): { label: string; heap: number; rss: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { label, heap: m.heapUsed, rss: m.rss };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-audit-bench-'));
  const manifest = join(dir, 'promoter-manifest.yaml');
  const images = Array.from({ length: IMAGES }, (_, i) => ({ name: `img${i}`, dmap: { [digestOf(i)]: ['v1'] } }));
  await writeFile(manifest, JSON.stringify({ registries: [{ name: 'staging.bench/s', src: true }, { name: `${HOST}/prod` }], images }));
  const latencies = new Float64Array(EVENTS);
  let classified = 0;
  const alertKinds: Record<string, number> = {};
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => (allDone = r));
  const running = await startAudit(
    {
      manifests: { manifest },
      host: '127.0.0.1',
      port: 0,
      secret: TOKEN,
      reconcileIntervalMs: 0,
      manifestCheckIntervalMs: 0,
      queueCapacity: 100_000,
      onClassified: (_e, _c, at) => {
        latencies[classified++] = Number(process.hrtime.bigint() - at) / 1e6;
        if (classified === EVENTS) allDone();
      },
    },
    { client: new MemoryRegistryClient({ autoCreateHosts: true }), logger: new MemoryLogger(), writeAlert: (line) => {
        const a = JSON.parse(line) as { source: string; kind: string };
        const k = `${a.source}:${a.kind}`;
        alertKinds[k] = (alertKinds[k] ?? 0) + 1;
      },
    },
  );
  await running.service.reconcile(); // the start's reconcile (every image is missing from the empty registry)
  const pool = new Pool(`http://${running.address}`, { connections: CONCURRENCY });
  const mem = [memory('start')];
  const started = process.hrtime.bigint();
  let next = 0;
  let refused = 0;
  let halfWay = false;
  const client = async (): Promise<void> => {
    while (next < EVENTS) {
      const first = next;
      next = Math.min(EVENTS, next + BATCH);
      const body = JSON.stringify({ events: Array.from({ length: next - first }, (_, k) => event(first + k)) });
      for (let attempt = 0; ; attempt++) {
        const res = await pool.request({ path: '/events/distribution', method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
        await res.body.dump();
        if (res.statusCode === 202) break;
        if (res.statusCode !== 503 || attempt > 100) throw new Error(`event request answered ${res.statusCode}`);
        refused++;
        await new Promise((r) => setTimeout(r, 10));
      }
      if (!halfWay && next >= EVENTS / 2) {
        halfWay = true;
        mem.push(memory('half-way'));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  mem.push(memory('end'));
  await pool.close();
  await running.stop();
  await rm(dir, { recursive: true, force: true });

  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number): string => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(3);
  const out = {
    events: EVENTS,
    batch: BATCH,
    concurrency: CONCURRENCY,
    images: IMAGES,
    seconds: Number(seconds.toFixed(2)),
    eventsPerSecond: Math.round(EVENTS / seconds),
    latencyMs: { p50: Number(pct(50)), p99: Number(pct(99)), max: Number(pct(100)) },
    alerts: alertKinds,
    refused503: refused,
    memory: mem.map((m) => ({ at: m.label, heapMiB: Number(mb(m.heap)), rssMiB: Number(mb(m.rss)) })),
    gc: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
  process.stdout.write(
    `audit serve load: ${EVENTS} events (batch ${BATCH}, ${CONCURRENCY} in flight, ${IMAGES} images) in ${out.seconds} s = ${out.eventsPerSecond} events/s; ` +
      `classification p50 ${out.latencyMs.p50} ms, p99 ${out.latencyMs.p99} ms; alerts ${JSON.stringify(alertKinds)}; ` +
      `heap ${mem.map((m) => `${m.label} ${mb(m.heap)} MiB`).join(', ')}\n${JSON.stringify(out)}\n`,
  );
}

await main();
