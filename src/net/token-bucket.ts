/**
 * A token bucket: `rate` tokens per second refill up to `burst`. Callers reserve tokens in
 * arrival order (like golang.org/x/time/rate's Reserve), so waiting is FIFO and the sustained
 * rate never exceeds `rate` even under heavy contention.
 */
import { systemClock, type Clock } from './clock.js';

/** Options of a token bucket. */
export interface TokenBucketOptions {
  /** Sustained tokens per second (> 0). */
  rate: number;
  /** Tokens available at once after an idle period (>= 1). */
  burst: number;
  clock?: Clock;
}

/** A FIFO token bucket with an injectable clock. */
export class TokenBucket {
  private rate: number;
  private burst: number;
  private tokens: number;
  private last: number;
  private readonly clock: Clock;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.rate > 0)) throw new RangeError(`token bucket rate must be > 0, got ${opts.rate}`);
    this.rate = opts.rate;
    this.burst = Math.max(1, opts.burst);
    this.clock = opts.clock ?? systemClock;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  /** Current sustained rate, tokens per second. */
  get currentRate(): number {
    return this.rate;
  }

  /** Current burst size. */
  get currentBurst(): number {
    return this.burst;
  }

  /** Changes the rate and burst from now on (tokens already accrued are capped at the new burst). */
  setRate(rate: number, burst = this.burst): void {
    if (!(rate > 0)) throw new RangeError(`token bucket rate must be > 0, got ${rate}`);
    this.refill();
    this.rate = rate;
    this.burst = Math.max(1, burst);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /**
   * Reserves one token and returns how long the caller must wait before using it (0 = now).
   * The reservation is final: a caller that gives up does not get its token back, which only
   * errs on the side of sending less.
   */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }

  /** Takes one token, waiting as needed; resolves with the milliseconds waited. */
  async take(signal?: AbortSignal): Promise<number> {
    const wait = this.reserve();
    if (wait > 0) await this.clock.sleep(wait, signal);
    return wait;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
  }
}
