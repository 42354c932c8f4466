/**
 * The network policy, composed once per run: every request of the run goes
 * retry → per-host limiter + stats → throughput floor → base transport (undici, with its
 * connect/headers/body-idle timeouts), and whole operations retry through the returned RetryRunner. Connections and
 * tokens are reused because one Network (one base transport, one client) serves the run.
 */
import { systemClock, type Clock } from './clock.js';
import { HostLimiter, type HostBudget } from './host-limiter.js';
import { meteredTransport } from './metered-transport.js';
import { createRetryRunner, RetryLedger, retryingTransport, type RetryNotice, type RetryPolicy } from './retry.js';
import { NetworkStats, type HostStats } from './stats.js';
import { DEFAULT_THROUGHPUT_FLOOR, throughputTransport, type ThroughputFloor } from './throughput.js';
import type { RetryRunner, Transport } from './transport.js';

/**
 * Default sustained budget per host. Artifact Registry allows 60,000 req/min per project and
 * region, and k8s-infra caps each user at 5,000/min per region ≈ 83 req/s (registry.k8s.io#153);
 * going over hurts every user of that region for the rest of the minute. 50 req/s per host
 * keeps 40% headroom under the per-user cap. Upstream applies the same 50 req/s to ONE global
 * bucket, so with 20 regional hosts this is up to 20× faster while no region sees more.
 */
export const DEFAULT_QPS = 50;
/**
 * Default budget of a loopback host (127.0.0.0/8, ::1, localhost) when no --registry-qps applies:
 * a registry on this machine has no shared quota to protect (the 50 req/s exists for regional
 * quotas other users share), so only the in-flight cap and Retry-After pace it.
 */
export const LOOPBACK_QPS = 1000;

/** Whether `hostname` (no port) is a loopback address. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Short bursts (a tag list then its HEADs) go at once; 10 ≪ the 83/s a region tolerates. */
export const DEFAULT_BURST = 10;
/**
 * In-flight cap per host: start at 16 (regclient uses 3, ggcr 4 per copy; a loopback or
 * regional registry serves far more), grow on success to 64, halve on 429/503/timeout.
 */
export const DEFAULT_CONCURRENCY = { initial: 16, min: 1, max: 64 };

/** Options of createNetwork. */
export interface NetworkOptions {
  /** The base transport (src/net/http-transport.ts in production, a fake in unit tests). */
  base: Transport;
  /** Sustained req/s for every host (default DEFAULT_QPS). */
  qps?: number;
  /** Per-host overrides, keyed by host[:port] as in URLs, or by hostname alone. */
  hostQps?: Record<string, number>;
  burst?: number;
  concurrency?: Partial<HostBudget['concurrency']>;
  /**
   * The part of every host's budget this process takes (default 1): a shard of a run split COUNT
   * ways takes 1/COUNT of each host's req/s, burst and in-flight ceiling, so COUNT shards together
   * stay within one run's budget.
   */
  share?: number;
  retry?: Partial<RetryPolicy>;
  /** Told before each retry waits (the CLI logs it). */
  onRetry?: (n: RetryNotice) => void;
  /** Longest Retry-After honoured (default 5 min); a longer one fails that host for the run. */
  maxRetryAfterMs?: number;
  /** Floor on response-body throughput (default DEFAULT_THROUGHPUT_FLOOR); false turns it off. */
  throughput?: Partial<ThroughputFloor> | false;
  clock?: Clock;
  random?: () => number;
}

/** The run's network: one transport with the policy, the runner for whole operations, stats. */
export interface Network {
  transport: Transport;
  retry: RetryRunner;
  /** Per-host counters so far, sorted by host. */
  stats(): HostStats[];
  /** The limiter of a host (for inspection and tests). */
  limiter(host: string): HostLimiter;
  close(): Promise<void>;
}

/** The budget that applies to `host`. */
export function budgetFor(host: string, opts: Omit<NetworkOptions, 'base'>): HostBudget {
  const hostname = host.replace(/:\d+$/, '');
  const qps = opts.hostQps?.[host] ?? opts.hostQps?.[hostname] ?? opts.qps ?? (isLoopbackHost(hostname) ? LOOPBACK_QPS : DEFAULT_QPS);
  const share = opts.share ?? 1;
  const concurrency = { ...DEFAULT_CONCURRENCY, ...opts.concurrency };
  if (share !== 1) {
    concurrency.max = Math.max(1, Math.ceil(concurrency.max * share));
    concurrency.initial = Math.min(concurrency.initial, concurrency.max);
    concurrency.min = Math.min(concurrency.min, concurrency.max);
  }
  return {
    qps: qps * share,
    burst: Math.max(1, Math.ceil((opts.burst ?? DEFAULT_BURST) * share)),
    concurrency,
    ...(opts.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: opts.maxRetryAfterMs } : {}),
  };
}

/** Composes the network policy over a base transport. */
export function createNetwork(opts: NetworkOptions): Network {
  const clock = opts.clock ?? systemClock;
  const stats = new NetworkStats();
  const limiters = new Map<string, HostLimiter>();
  const limiter = (host: string): HostLimiter => {
    let l = limiters.get(host);
    if (!l) {
      l = new HostLimiter(host, budgetFor(host, opts), clock, stats.forHost(host));
      limiters.set(host, l);
    }
    return l;
  };
  const deps = { policy: opts.retry, clock, random: opts.random, stats, ledger: new RetryLedger(), onRetry: opts.onRetry };
  const floor = opts.throughput === false ? undefined : { ...DEFAULT_THROUGHPUT_FLOOR, ...opts.throughput };
  const base = floor ? throughputTransport(opts.base, floor, clock) : opts.base;
  const transport = retryingTransport(meteredTransport(base, limiter, stats), deps);
  return {
    transport,
    retry: createRetryRunner(deps),
    stats: () => stats.snapshot(),
    limiter,
    close: () => transport.close(),
  };
}
