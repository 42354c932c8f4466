/**
 * The proxy's fault decisions: a path or `nth` rule when one matches, else seeded dice over
 * `rates`. One PRNG also draws the latency jitter, so a seed and a request order give the same
 * faults and delays.
 */
import type { RequestKind } from '../../src/net/transport.js';
import { eligible } from './fault-classify.js';
import type { FaultKind, FaultProxyOptions, ProxyCounters } from './fault-proxy-types.js';

/** mulberry32: a small seeded PRNG, plenty for fault dice. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Faults rolled by `rates`, one roll each per request; 'trickle' is not rolled (only `nth` and `paths` inject it). */
const FAULT_ORDER: FaultKind[] = ['throttle', 'throttle-no-retry-after', 'unavailable', 'reset', 'truncate', 'flip'];

/** The fault plan in force (what `configure` may change). */
export type FaultPlan = Pick<FaultProxyOptions, 'rates' | 'nth' | 'paths' | 'latency'>;

/** Seeded fault and latency decisions of one proxy. */
export class FaultDice {
  private readonly rand: () => number;
  /** How many requests each `paths` rule has hit. */
  private readonly pathHits = new Map<object, number>();

  constructor(seed: number) {
    this.rand = prng(seed);
  }

  /** The fault for this request, if any (`counters` already count it). */
  pick(plan: FaultPlan, counters: ProxyCounters, kind: RequestKind, method: string, path: string): FaultKind | undefined {
    const byPath = plan.paths?.find((f) => path.includes(f.path) && eligible(f.fault, kind, method) && (f.times === undefined || (this.pathHits.get(f) ?? 0) < f.times));
    if (byPath) {
      this.pathHits.set(byPath, (this.pathHits.get(byPath) ?? 0) + 1);
      return byPath.fault;
    }
    const nth = plan.nth?.find((f) => (f.kind === '*' ? counters.requests : counters.byKind[kind]) === f.n && (f.kind === '*' || f.kind === kind));
    if (nth) return nth.fault;
    for (const f of FAULT_ORDER) {
      const p = plan.rates?.[f] ?? 0;
      // Roll the dice for every kind so the sequence depends only on the request order.
      const roll = this.rand();
      if (p > 0 && roll < p && eligible(f, kind, method)) return f;
    }
    return undefined;
  }

  /** Half of this request's round trip (latency plus jitter), drawn once per request. */
  halfTrip(plan: FaultPlan): number {
    if (!plan.latency) return 0;
    return (plan.latency.ms + this.rand() * (plan.latency.jitterMs ?? 0)) / 2;
  }
}
