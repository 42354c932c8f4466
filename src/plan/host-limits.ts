/**
 * A budget of requests in flight per registry host, so that reading 20 mirrors keeps every one
 * of them busy (a single global limit leaves each host about one request when hosts are many).
 * The network layer's adaptive cap (src/net/host-limiter.ts) still applies beneath it.
 */
import pLimit, { type LimitFunction } from 'p-limit';

/** One p-limit per host, created on first use. */
export class HostLimits {
  private readonly limits = new Map<string, LimitFunction>();

  constructor(private readonly perHost: number) {
    if (!(Number.isInteger(perHost) && perHost > 0)) throw new RangeError(`requests per host must be a positive integer, got ${perHost}`);
  }

  /** Runs `fn` within `host`'s budget. */
  run<T>(host: string, fn: () => Promise<T>): Promise<T> {
    let l = this.limits.get(host);
    if (!l) this.limits.set(host, (l = pLimit(this.perHost)));
    return l(fn);
  }
}

/**
 * Runs `fn` on every item, at most `perHost` items of one host at a time, each host's items in
 * order. Unlike queueing one promise per item, only the running items hold state: 27,000
 * repositories cost 20 × perHost pending calls, not 27,000. `fn` must not throw.
 */
export async function eachByHost<T>(items: Iterable<T>, hostOf: (item: T) => string, perHost: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queues = new Map<string, T[]>();
  for (const item of items) {
    const h = hostOf(item);
    const q = queues.get(h);
    if (q) q.push(item);
    else queues.set(h, [item]);
  }
  const workers: Promise<void>[] = [];
  for (const q of queues.values()) {
    let next = 0;
    const work = async (): Promise<void> => {
      while (next < q.length) await fn(q[next++]!);
    };
    for (let i = 0; i < Math.min(perHost, q.length); i++) workers.push(work());
  }
  await Promise.all(workers);
}
