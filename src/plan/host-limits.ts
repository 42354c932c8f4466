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
