/**
 * Retries: which failures are transient, jittered exponential backoff with a bounded number
 * of attempts and a bounded total time, a RetryRunner for whole operations (streamed uploads,
 * reads whose body proved truncated or corrupt), and a Transport decorator that resends
 * requests whose body can be sent again (none or a Uint8Array).
 */
import { systemClock, type Clock } from './clock.js';
import { parseRetryAfter } from './retry-after.js';
import type { NetworkStats } from './stats.js';
import { headerValue, type HttpRequest, type HttpResponse, type RetryRunner, type Transport } from './transport.js';

/** How hard to try. */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** No new attempt starts once this much time has passed since the first. */
  maxTotalMs: number;
  /** Backoff before attempt 2; doubles each time. */
  baseDelayMs: number;
  /** Backoff ceiling. */
  maxDelayMs: number;
}

/**
 * Defaults. Upstream waits 30 s × 2ⁿ over 6 steps (≈12.5 min) because its single global
 * limiter cannot tell hosts apart; here the host limiter already paces each host and honours
 * Retry-After, so retries only need to outlast short blips: 0.5, 1, 2, 4, 8 s (≤ 15 s of
 * backoff, like regclient's 0.1 s→30 s ladder), and never more than 2 minutes per request.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  maxTotalMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
};

/** Statuses worth another try: request timeout, throttling, and server errors except 501/505. */
export function isTransientStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The error's own code or that of any cause in its chain. */
function codesOf(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') out.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/**
 * Whether an error is worth retrying: an error that says so (`retryable`, as RegistryError
 * does for 408/429/5xx, truncated bodies and digest mismatches on read), an HTTP status on it,
 * or a network failure (reset, refused, timeout, premature close). Aborts are never retried.
 */
export function isTransientError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  if ((err as Error).name === 'AbortError') return false;
  const retryable = (err as { retryable?: unknown }).retryable;
  if (typeof retryable === 'boolean') return retryable;
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number') return isTransientStatus(status);
  return codesOf(err).some((c) => TRANSIENT_CODES.has(c));
}

/** Whether a network error was a timeout (an overload signal for AIMD). */
export function isTimeoutError(err: unknown): boolean {
  return codesOf(err).some((c) => TIMEOUT_CODES.has(c));
}

/** Equal-jitter exponential backoff before attempt `attempt + 1` (attempt counts from 0). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * What the transport layer already gave up on, shared with the operation runner so retries do
 * not multiply (a runner attempt whose request already used the transport's retries is not
 * retried again), and so a host that stopped answering fails fast for a while (circuit breaker).
 */
export class RetryLedger {
  private readonly exhausted = new Map<string, number>();
  private readonly unreachable = new Map<string, number>();

  /** The transport gave up on a request to `host` at `now`; `unreachable` when no response came. */
  gaveUp(host: string, now: number, unreachable: boolean): void {
    this.exhausted.set(host, now);
    if (unreachable) this.unreachable.set(host, now);
  }

  /** Whether the transport gave up on `host` at or after `since`. */
  gaveUpSince(host: string, since: number): boolean {
    return (this.exhausted.get(host) ?? -Infinity) >= since;
  }

  /** Whether `host` was unreachable within the last `windowMs`: then requests get one attempt. */
  isUnreachable(host: string, now: number, windowMs = UNREACHABLE_WINDOW_MS): boolean {
    return now - (this.unreachable.get(host) ?? -Infinity) < windowMs;
  }

  /** `host` answered: it is reachable again. */
  answered(host: string): void {
    this.unreachable.delete(host);
  }
}

/** How long a host that exhausted its retries without any answer gets single attempts. */
export const UNREACHABLE_WINDOW_MS = 30_000;

/** A retry about to wait: attempt `attempt` of `maxAttempts` starts after `delayMs`. */
export interface RetryNotice {
  host: string;
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  /** The error that failed the previous attempt, or its HTTP status. */
  error?: unknown;
  status?: number;
}

/** Dependencies of the retry helpers. */
export interface RetryDeps {
  /** Told before each wait, so a person sees retries in progress. */
  onRetry?: (n: RetryNotice) => void;
  policy?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: () => number;
  stats?: NetworkStats;
  ledger?: RetryLedger;
}

/** The wait before the next attempt, or undefined when the attempt or time budget is spent. */
function nextDelay(
  attempt: number,
  started: number,
  floorMs: number,
  p: RetryPolicy,
  clock: Clock,
  random: () => number,
): number | undefined {
  if (attempt + 1 >= p.maxAttempts) return undefined;
  const delay = Math.max(backoffDelay(attempt, p, random), floorMs);
  return clock.now() + delay - started > p.maxTotalMs ? undefined : delay;
}

/** A RetryRunner retrying transient errors of whole operations. */
export function createRetryRunner(deps: RetryDeps = {}): RetryRunner {
  const p = { ...DEFAULT_RETRY_POLICY, ...deps.policy };
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  return async (_op, host, fn) => {
    const started = clock.now();
    for (let attempt = 0; ; attempt++) {
      const attemptStart = clock.now();
      try {
        return await fn(attempt);
      } catch (err) {
        // The transport already spent its retries on this attempt's request: do not multiply them.
        const spent = deps.ledger?.gaveUpSince(host, attemptStart) ?? false;
        const delay = isTransientError(err) && !spent ? nextDelay(attempt, started, 0, p, clock, random) : undefined;
        if (delay === undefined) throw err;
        deps.onRetry?.({ host, attempt: attempt + 2, maxAttempts: p.maxAttempts, delayMs: delay, error: err });
        await clock.sleep(delay);
        deps.stats?.forHost(host).retried();
        deps.stats?.forHost(host).waited(delay);
      }
    }
  };
}

/** Whether the request can be sent again as is. */
function replayable(req: HttpRequest): boolean {
  return req.body === undefined || req.body instanceof Uint8Array;
}

/**
 * Resends replayable requests on transient statuses and network errors. The last response is
 * returned as is (the client turns it into a RegistryError); a streamed request is sent once
 * and its caller retries the whole operation through the RetryRunner.
 */
export function retryingTransport(base: Transport, deps: RetryDeps = {}): Transport {
  const p = { ...DEFAULT_RETRY_POLICY, ...deps.policy };
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  return {
    close: () => base.close(),
    async request(req) {
      if (!replayable(req)) return base.request(req);
      const host = req.url.host;
      const started = clock.now();
      // A host that recently gave no answer at all gets a single attempt: fail fast, not for minutes.
      const single = deps.ledger?.isUnreachable(host, started) ?? false;
      for (let attempt = 0; ; attempt++) {
        let res: HttpResponse;
        try {
          res = await base.request(req);
        } catch (err) {
          const transient = isTransientError(err) && !req.signal?.aborted;
          const delay = transient && !single ? nextDelay(attempt, started, 0, p, clock, random) : undefined;
          if (delay === undefined) {
            if (transient) deps.ledger?.gaveUp(host, clock.now(), true);
            throw err;
          }
          deps.onRetry?.({ host, attempt: attempt + 2, maxAttempts: p.maxAttempts, delayMs: delay, error: err });
          await clock.sleep(delay, req.signal);
          deps.stats?.forHost(req.url.host).retried();
          deps.stats?.forHost(req.url.host).waited(delay);
          continue;
        }
        deps.ledger?.answered(host);
        if (!isTransientStatus(res.status)) return res;
        const floor = parseRetryAfter(headerValue(res, 'retry-after'), Date.now()) ?? 0;
        const delay = nextDelay(attempt, started, floor, p, clock, random);
        if (delay === undefined) {
          deps.ledger?.gaveUp(host, clock.now(), false);
          return res;
        }
        res.body.destroy();
        deps.onRetry?.({ host, attempt: attempt + 2, maxAttempts: p.maxAttempts, delayMs: delay, status: res.status });
        await clock.sleep(delay, req.signal);
        deps.stats?.forHost(req.url.host).retried();
        deps.stats?.forHost(req.url.host).waited(delay);
      }
    },
  };
}
