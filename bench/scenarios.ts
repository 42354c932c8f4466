/**
 * Benchmark scenarios (performance.md §7): cold, rerun, half the mirrors pre-filled, a second
 * repository per mirror (mount), random faults, and a per-host quota. Each runs on fresh
 * mirrors for each tool, with the faults active during the timed run only.
 */
import { createHash } from 'node:crypto';
import { aboveFloor, destinationFloorByKind, requestFloor, sourceFloorByKind, timeFloor, type Attachments, type DestinationState, type Floor, type KindFloor, type TimeFloor } from './floor.js';
import { ATTACHMENTS_PREFIX } from './attachments.js';
import { LOOPBACK_QPS } from '../src/net/policy.js';
import { setFaults, startMirrors, stopAll, type FaultPlan, type Fronted } from './env.js';
import { runKpromo, runSkopeo, type KpromoCommand, type ToolRun } from './tools.js';
import { pushWorkload, writeBenchManifest, type BuiltWorkload } from './workload.js';
import type { RequestKind } from '../src/net/transport.js';
import { fetchManifest } from '../test/support/seed.js';
import { startCpuProbe, type CpuSplit } from './cpu-probe.js';

/** A promoter under test. */
export type Tool = 'kpromo' | 'skopeo';

/** One scenario. */
export interface Scenario {
  name: string;
  /** Destination repository prefixes of the timed run, on every mirror. */
  repos: string[];
  /** The state of each (prefix, mirror) before the run, prefix-major (floor of §4). */
  states(k: number): DestinationState[];
  /** Untimed preparation on fresh mirrors. */
  prepare?(ctx: RunContext, mirrors: Fronted[], tool: Tool): Promise<void>;
  faults?: FaultPlan;
  /** Promote the images of the attachments staging prefix, each with its referrers (ctx.attachments). */
  attachments?: boolean;
}

/** Shared state of a benchmark run. */
export interface RunContext {
  dir: string;
  staging: Fronted;
  workload: BuiltWorkload;
  k: number;
  /** skopeo runs still going after this are killed and reported as failed. */
  skopeoDeadlineMs: number;
  /** Extra kpromo flags (e.g. --registry-qps 1000). */
  kpromoArgs: string[];
  /** How to start kpromo (a child process, like skopeo). */
  kpromo: KpromoCommand;
  /** kpromo's per-host req/s (--qps, else its loopback default), for the time floor. */
  qps?: number;
  /** The attachments staged for the attachments scenario (pushed when it is selected). */
  attachments?: Attachments;
}

/** Options of one measurement. */
export interface MeasureOptions {
  /** Round-trip time added by every proxy during the timed run (ms). */
  latencyMs?: number;
}

/** The measurements of one (scenario, tool). */
export interface Measurement {
  scenario: string;
  tool: Tool;
  wallMs: number;
  ok: boolean;
  error?: string;
  requests: number;
  byKind: Partial<Record<RequestKind, number>>;
  floor: Floor;
  sourceBlobBytes: number;
  uniqueBytes: number;
  throttled: number;
  /** 429s that arrived after the first announced Retry-After had elapsed (per host). */
  throttledAfterFirst: number;
  retries?: number;
  waitedMs?: number;
  peakRss?: number;
  /** kpromo: CPU time of its process (ms, sampled). */
  cpuMs?: number;
  /** Every image present on every mirror with the right digest. */
  verified: boolean;
  /** kpromo: phase durations from its report. */
  phases?: { name: string; durationMs: number }[];
  /** kpromo: peak requests in flight per host. */
  peakInFlight?: Record<string, number>;
  /** CPU of the timed run outside the tool: benchmark process (proxies), registries, whole machine. */
  cpu?: CpuSplit;
  /** Round-trip time every registry had during the timed run (ms; absent on plain loopback). */
  latencyMs?: number;
  /** performance.md §4's time floor of the run. */
  timeFloor: TimeFloor;
  /** Per host (the source first, then each mirror): requests by kind above (+) or below (−) its floor. */
  aboveFloor: { host: string; requests: number; floor: number; byKind: Record<string, number> }[];
}

/** Runs `tool` promoting the workload to each of `repos` on `mirrors`. */
export async function promoteWith(tool: Tool, ctx: RunContext, mirrors: Fronted[], repos: string[], staging = 'staging'): Promise<ToolRun> {
  if (tool === 'kpromo') {
    const dsts = repos.flatMap((repo) => mirrors.map((m) => `${m.proxy.host}/${repo}`));
    const manifest = await writeBenchManifest(ctx.dir, `${ctx.staging.proxy.host}/${staging}`, dsts, ctx.workload);
    return runKpromo(ctx.kpromo, manifest, ctx.dir, ctx.kpromoArgs);
  }
  // skopeo copies the images only (no referrers): its row is the images' cost, not the attachments'
  const pairs = repos.flatMap((repo) => mirrors.flatMap((m) =>
    ctx.workload.images.map((img) => ({ src: `${ctx.staging.proxy.host}/${staging}/${img.name}:${img.tag}`, dst: `${m.proxy.host}/${repo}/${img.name}:${img.tag}` })),
  ));
  return runSkopeo(pairs, ctx.dir, ctx.skopeoDeadlineMs);
}

const half = (k: number): DestinationState[] => Array.from({ length: k }, (_, i) => (i < Math.floor(k / 2) ? 'present' : 'empty'));

/** The scenarios, in order. */
export const SCENARIOS: Scenario[] = [
  { name: 'cold', repos: ['prod'], states: (k) => Array(k).fill('empty') },
  {
    name: 'rerun',
    repos: ['prod'],
    states: (k) => Array(k).fill('present'),
    prepare: async (ctx, mirrors, tool) => void (await promoteWith(tool, ctx, mirrors, ['prod'])),
  },
  {
    name: 'half pre-filled',
    repos: ['prod'],
    states: half,
    prepare: async (ctx, mirrors) => {
      for (const m of mirrors.slice(0, Math.floor(mirrors.length / 2))) await pushWorkload(m.registry, 'prod', ctx.workload);
    },
  },
  {
    // A second path per mirror added to a manifest already promoted to the first (as k8s's
    // images/ and images/kubernetes/): the run reads prod (present) and fills prod2 by mounts.
    name: 'mount (2nd repo)',
    repos: ['prod', 'prod2'],
    states: (k) => [...Array(k).fill('present'), ...Array(k).fill('mount')],
    prepare: async (ctx, mirrors, tool) => void (await promoteWith(tool, ctx, mirrors, ['prod'])),
  },
  {
    name: 'faults',
    repos: ['prod'],
    states: (k) => Array(k).fill('empty'),
    // performance.md §7 S5: 1% 429 (Retry-After 1 s), 1% 503, 0.5% resets, 0.2% truncations.
    faults: { rates: { throttle: 0.01, unavailable: 0.01, reset: 0.005, truncate: 0.002 }, retryAfterSeconds: 1 },
  },
  {
    // every image with an SBOM, a provenance and a signature bundle as referrers (fallback index)
    name: 'attachments',
    repos: ['prod'],
    states: (k) => Array(k).fill('empty'),
    attachments: true,
  },
  {
    name: 'quota 60/5s',
    repos: ['prod'],
    states: (k) => Array(k).fill('empty'),
    // S6 scaled down: an AR-like quota per host, answered with 429 + Retry-After past it.
    faults: { quota: { limit: 60, windowMs: 5_000 } },
  },
];

/** The request floor of a scenario: attachments, when carried, count at the first mirror only (canonical placement). */
function floorOf(ctx: RunContext, sc: Scenario): Floor {
  const states = sc.states(ctx.k);
  const plain = requestFloor(ctx.workload.counts, states, undefined, ctx.k);
  if (!sc.attachments || !ctx.attachments) return plain;
  const first = requestFloor({ ...ctx.workload.counts, attachments: ctx.attachments }, states.slice(0, 1), undefined, 1);
  const extra = first.total - requestFloor(ctx.workload.counts, states.slice(0, 1), undefined, 1).total;
  return { ...plain, total: plain.total + extra, destinations: plain.destinations, perHost: { ...plain.perHost, total: plain.perHost.total + extra } };
}

/** Each host's floor by kind: the source's, then each mirror's (its repository sets summed, auth once). */
function hostFloors(ctx: RunContext, sc: Scenario): KindFloor[] {
  const states = sc.states(ctx.k);
  const w = ctx.workload.counts;
  const withAttachments = sc.attachments && ctx.attachments ? { ...w, attachments: ctx.attachments } : w;
  const mirrors = Array.from({ length: ctx.k }, (_, i) => {
    const sum: KindFloor = {};
    states.forEach((state, j) => {
      if (j % ctx.k !== i) return;
      // canonical placement: attachments at the first destination only (as floorOf counts them)
      const f = destinationFloorByKind(j === 0 ? withAttachments : w, state, j < ctx.k ? undefined : 0);
      for (const [key, n] of Object.entries(f)) sum[key] = (sum[key] ?? 0) + n;
    });
    return sum;
  });
  return [sourceFloorByKind(withAttachments, states), ...mirrors];
}

/** Checks every image on every mirror, directly (not through the proxy). */
async function verify(ctx: RunContext, mirrors: Fronted[], repos: string[], attachments = false): Promise<boolean> {
  for (const repo of repos) for (const m of mirrors) {
    for (const img of ctx.workload.images) {
      const got = await fetchManifest(m.registry, `${repo}/${img.name}`, img.tag);
      const digest = 'sha256:' + createHash('sha256').update(got.body).digest('hex');
      if (got.status !== 200 || digest !== img.data.digest) return false;
    }
  }
  if (!attachments) return true;
  // the three referrers of each image, listed by its fallback index on the first mirror (canonical placement)
  for (const img of ctx.workload.images) {
    const index = await fetchManifest(mirrors[0]!.registry, `${repos[0]}/${img.name}`, img.data.digest.replace(':', '-'));
    if (index.status !== 200 || (JSON.parse(Buffer.from(index.body).toString('utf8')) as { manifests?: unknown[] }).manifests?.length !== 3) return false;
  }
  return true;
}

/** Runs one scenario for one tool on fresh mirrors and measures it. */
export async function measure(sc: Scenario, tool: Tool, ctx: RunContext, opts: MeasureOptions = {}): Promise<Measurement> {
  const mirrors = await startMirrors(ctx.k);
  const all = [ctx.staging, ...mirrors];
  try {
    await sc.prepare?.(ctx, mirrors, tool);
    for (const f of all) f.proxy.reset();
    setFaults(all, opts.latencyMs ? { ...sc.faults, latency: { ms: opts.latencyMs } } : sc.faults);
    const cpuSplit = startCpuProbe();
    const run = await promoteWith(tool, ctx, mirrors, sc.repos, sc.attachments ? ATTACHMENTS_PREFIX : 'staging');
    const cpu = cpuSplit();
    setFaults(all, undefined);
    const byKind: Partial<Record<RequestKind, number>> = {};
    let requests = 0;
    let throttled = 0;
    let throttledAfterFirst = 0;
    for (const f of all) {
      const c = f.proxy.counters();
      requests += c.requests;
      for (const [k, v] of Object.entries(c.byKind)) byKind[k as RequestKind] = (byKind[k as RequestKind] ?? 0) + v;
      const first = f.proxy.announcements[0]?.notBefore ?? Infinity;
      for (const a of f.proxy.arrivals) {
        if (a.outcome !== 429) continue;
        throttled++;
        if (a.at >= first) throttledAfterFirst++;
      }
    }
    const hosts = run.hosts ?? [];
    const floors = hostFloors(ctx, sc);
    const perHost = all.map((f, i) => {
      const c = f.proxy.counters();
      const floor = Object.values(floors[i]!).reduce((a, b) => a + b, 0);
      return { host: i === 0 ? 'source' : `mirror ${i}`, requests: c.requests, floor, byKind: aboveFloor(c.byKind, floors[i]!) };
    });
    return {
      scenario: sc.name,
      tool,
      wallMs: Math.round(run.wallMs),
      ok: run.ok,
      error: run.error,
      requests,
      byKind,
      // canonical placement: the attachments go to the first mirror only (the floor counts them at every
      // destination, so it is computed for one destination carrying them plus K−1 without)
      floor: floorOf(ctx, sc),
      sourceBlobBytes: ctx.staging.proxy.counters().blobBytesToClient,
      uniqueBytes: ctx.workload.uniqueBytes,
      throttled,
      throttledAfterFirst,
      retries: run.hosts ? hosts.reduce((n, h) => n + (h.retries ?? 0), 0) : undefined,
      waitedMs: run.hosts ? Math.round(hosts.reduce((n, h) => n + (h.waitedMs ?? 0), 0)) : undefined,
      peakRss: run.peakRss,
      cpuMs: run.cpuMs,
      phases: run.phases,
      peakInFlight: run.hosts ? Object.fromEntries(hosts.map((h) => [h.host, h.peakInFlight])) : undefined,
      cpu,
      ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}),
      timeFloor: timeFloor(ctx.workload.counts, sc.states(ctx.k), { qps: ctx.qps ?? LOOPBACK_QPS, rttMs: opts.latencyMs ?? 0, uniqueBytes: ctx.workload.uniqueBytes, authTrips: 1 }),
      aboveFloor: perHost,
      verified: await verify(ctx, mirrors, sc.repos, sc.attachments === true),
    };
  } finally {
    setFaults(all, undefined);
    await stopAll(mirrors);
  }
}
