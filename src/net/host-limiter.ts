/**
 * The budget of one registry host: a token bucket (sustained req/s), an adaptive cap on
 * requests in flight (AIMD: +1/limit per success, halved on 429, 503 or timeout), and a
 * Retry-After floor before which nothing is sent to this host. A Retry-After beyond the cap
 * pauses the host for the whole run: every request to it then fails at once (HostPausedError).
 * Other hosts have their own limiter, so a throttled region never slows the rest
 * (performance.md §2 recommendation).
 */
import { systemClock, type Clock } from './clock.js';
import { DEFAULT_MAX_RETRY_AFTER_MS, HostPausedError } from './host-paused.js';
import type { HostStatsRecorder } from './stats.js';
import { TokenBucket } from './token-bucket.js';

/** Budget settings of one host. */
export interface HostBudget {
  /** Sustained requests per second. */
  qps: number;
  /** Requests allowed at once after an idle period. */
  burst: number;
  /** Adaptive in-flight cap: starting value and bounds. */
  concurrency: { initial: number; min: number; max: number };
  /** Longest Retry-After honoured; a longer one fails the host for the run (default 5 min). */
  maxRetryAfterMs?: number;
}

/** What became of a request, fed back into the limiter. */
export interface LeaseOutcome {
  /** HTTP status, or undefined for a network error. */
  status?: number;
  /** The request timed out (treated like an overload signal). */
  timeout?: boolean;
  /** Milliseconds from now before this host may be contacted again (parsed Retry-After). */
  retryAfterMs?: number;
  /** A quota the host announced on a 429 (RateLimit-Limit / RateLimit-Policy "N;w=S"). */
  quota?: { limit: number; windowSeconds: number };
}

/** Permission to send one request; release it when the response headers (or an error) arrive. */
export interface Lease {
  /** Milliseconds spent waiting for the slot, the floor and the token. */
  readonly waitedMs: number;
  release(outcome: LeaseOutcome): void;
}

/** Overload statuses: the server asks us to slow down. */
function isOverload(o: LeaseOutcome): boolean {
  return o.timeout === true || o.status === 429 || o.status === 503;
}

/** Rate and concurrency governor for one host. */
export class HostLimiter {
  readonly host: string;
  private readonly budget: HostBudget;
  private readonly clock: Clock;
  private readonly stats?: HostStatsRecorder;
  private readonly bucket: TokenBucket;
  private limitValue: number;
  private rateCap: number;
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private floor = 0;
  private seq = 0;
  private lastDecreaseSeq = -1;
  private lastRateDecreaseSeq = -1;
  private pausedError: HostPausedError | undefined;

  constructor(host: string, budget: HostBudget, clock: Clock = systemClock, stats?: HostStatsRecorder) {
    this.host = host;
    this.budget = budget;
    this.clock = clock;
    this.stats = stats;
    this.bucket = new TokenBucket({ rate: budget.qps, burst: budget.burst, clock });
    this.limitValue = budget.concurrency.initial;
    this.rateCap = budget.qps;
  }

  /** Current in-flight cap (AIMD). */
  get concurrencyLimit(): number {
    return Math.floor(this.limitValue);
  }

  /** Current sustained rate in req/s. */
  get rate(): number {
    return this.bucket.currentRate;
  }

  /** Instant (clock ms) before which no request may be sent to this host. */
  get notBefore(): number {
    return this.floor;
  }

  /** Why the host is failed for the rest of the run (a Retry-After beyond the cap), if it is. */
  get paused(): HostPausedError | undefined {
    return this.pausedError;
  }

  /**
   * Waits for a concurrency slot (unless `unslotted`), then for the Retry-After floor and a
   * token. Streamed uploads pass `unslotted`: they hold their body source open, and making
   * them wait for a slot on one host while holding a read on another could deadlock a fan-out.
   */
  async acquire(signal?: AbortSignal, unslotted = false): Promise<Lease> {
    const t0 = this.clock.now();
    if (this.pausedError) throw this.pausedError;
    if (!unslotted) await this.takeSlot(signal);
    try {
      for (;;) {
        if (this.pausedError) throw this.pausedError;
        const now = this.clock.now();
        if (now < this.floor) await this.clock.sleep(this.floor - now, signal);
        const wait = this.bucket.reserve();
        if (wait > 0) await this.clock.sleep(wait, signal);
        // A 429 may have raised the floor (or paused the host) while we waited: check again.
        if (this.pausedError) throw this.pausedError;
        if (this.clock.now() >= this.floor) break;
      }
    } catch (err) {
      if (!unslotted) this.freeSlot();
      throw err;
    }
    const waitedMs = this.clock.now() - t0;
    this.stats?.waited(waitedMs);
    const seq = this.seq++;
    let released = false;
    return {
      waitedMs,
      release: (outcome) => {
        if (released) return;
        released = true;
        if (!unslotted) this.freeSlot();
        this.feedback(seq, outcome);
      },
    };
  }

  /** Raises the floor: nothing goes to this host for `ms` from now. */
  pauseFor(ms: number): void {
    this.floor = Math.max(this.floor, this.clock.now() + ms);
  }

  private feedback(seq: number, o: LeaseOutcome): void {
    const c = this.budget.concurrency;
    const cap = this.budget.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    if (o.retryAfterMs !== undefined && o.retryAfterMs > cap) {
      this.pausedError ??= new HostPausedError(this.host, o.retryAfterMs, cap);
      // wake every request waiting for a slot: each fails with the pause instead of waiting
      for (const w of this.waiters.splice(0)) w();
      return;
    }
    if (o.retryAfterMs !== undefined && o.retryAfterMs > 0) this.pauseFor(o.retryAfterMs);
    if (isOverload(o)) {
      // Halve once per window of requests: the requests already in flight when we halved
      // report the same congestion and must not halve again.
      if (seq >= this.lastDecreaseSeq) {
        this.limitValue = Math.max(c.min, this.limitValue / 2);
        this.lastDecreaseSeq = this.seq;
      }
      if (o.status === 429) this.throttle(seq, o.quota);
      this.wake();
      return;
    }
    if (o.status !== undefined && o.status < 500) {
      this.limitValue = Math.min(c.max, this.limitValue + 1 / this.limitValue);
      // Additive recovery of the rate after a throttle: about +1 req/s per second of successes.
      const r = this.bucket.currentRate;
      if (r < this.rateCap) this.bucket.setRate(Math.min(this.rateCap, r + 1 / r), this.bucket.currentBurst);
      this.wake();
    }
  }

  private throttle(seq: number, quota?: LeaseOutcome['quota']): void {
    if (quota && quota.limit > 0 && quota.windowSeconds > 0) {
      // The host told us its quota: stay 10% under it with no burst, for good. With burst 1,
      // any window of S seconds then sees at most 1 + 0.9·N requests, under N.
      const qps = Math.min(this.budget.qps, (0.9 * quota.limit) / quota.windowSeconds);
      this.rateCap = qps;
      this.bucket.setRate(qps, 1);
      return;
    }
    if (seq >= this.lastRateDecreaseSeq) {
      // Unknown quota: halve the rate (multiplicative decrease), recover additively.
      this.bucket.setRate(Math.max(0.1, this.bucket.currentRate / 2), this.bucket.currentBurst);
      this.lastRateDecreaseSeq = this.seq;
    }
  }

  private async takeSlot(signal?: AbortSignal): Promise<void> {
    while (this.inFlight >= Math.floor(this.limitValue)) {
      if (signal?.aborted) throw signal.reason;
      if (this.pausedError) throw this.pausedError;
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal!.reason);
        };
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiters.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    if (this.pausedError) throw this.pausedError;
    this.inFlight++;
  }

  private freeSlot(): void {
    this.inFlight--;
    this.wake();
  }

  private wake(): void {
    let free = Math.floor(this.limitValue) - this.inFlight;
    while (free-- > 0 && this.waiters.length > 0) this.waiters.shift()!();
  }
}
