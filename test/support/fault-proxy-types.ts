/** The options, log and counters of the fault proxy (fault-proxy.ts). */
import type { RequestKind } from '../../src/net/transport.js';

/** Faults the proxy can inject. */
export type FaultKind = 'throttle' | 'throttle-no-retry-after' | 'unavailable' | 'reset' | 'truncate' | 'flip' | 'trickle' | 'lose';

/** Probability (0..1) of each fault per eligible request. */
export type FaultRates = Partial<Record<FaultKind, number>>;

/** A deterministic fault: the `n`-th (1-based) request of `kind` gets `fault`. */
export interface NthFault {
  kind: RequestKind | '*';
  n: number;
  fault: FaultKind;
}

/** Options of the proxy. */
export interface FaultProxyOptions {
  /** The registry behind the proxy, `http://127.0.0.1:PORT`. */
  target: string;
  /** PRNG seed (default 1): the same seed and request order give the same faults. */
  seed?: number;
  rates?: FaultRates;
  nth?: NthFault[];
  /** Faults by path: requests whose path contains `path` get `fault` (e.g. one corrupt blob); only the first `times` when given. */
  paths?: Array<{ path: string; fault: FaultKind; times?: number }>;
  /** A trickled body sends one byte every this many ms (default 2000). */
  trickleMs?: number;
  /** Retry-After announced with injected 429s (seconds, default 1). */
  retryAfterSeconds?: number;
  /**
   * Round-trip latency of each forwarded request, as a network between client and registry
   * adds it: half before the request is forwarded, half before the response starts (jitter
   * added to the round trip).
   */
  latency?: { ms: number; jitterMs?: number };
  /**
   * Bandwidth of each client connection, bytes per second in each direction: request bodies
   * reach the registry, and response bodies the client, no faster.
   */
  bandwidth?: { bytesPerSecond: number };
  /** Waits `ms` (default setTimeout): latency and bandwidth pacing, injectable with `now` for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Admit at most `limit` requests per fixed window (default 60 s); the rest get 429. */
  quota?: { limit: number; windowMs?: number; announce?: boolean };
  /** Start down: every connection is reset at once. */
  down?: boolean;
  /** Hard cap on requests; past it every request gets 503 (default 200,000). */
  maxRequests?: number;
  /** The proxy closes itself after this long (default 15 min). */
  lifetimeMs?: number;
  /** Clock of the log and the quota window, in ms (default Date.now): pass the run's clock. */
  now?: () => number;
}

/** One request as the proxy saw it. */
export interface Arrival {
  /** The proxy's clock (`now`, default Date.now) at arrival, in ms. */
  at: number;
  kind: RequestKind;
  method: string;
  path: string;
  /** Status sent, or 'reset'. */
  outcome: number | 'reset';
  fault?: FaultKind | 'quota';
}

/** A 429 sent with a Retry-After: nothing should arrive before `notBefore`. */
export interface Announcement {
  at: number;
  notBefore: number;
  /** Position in `arrivals` of the request that was answered with this 429. */
  index: number;
}

/** Counters of the proxy. */
export interface ProxyCounters {
  requests: number;
  byKind: Partial<Record<RequestKind, number>>;
  faults: Partial<Record<FaultKind | 'quota', number>>;
  /** Bytes of request bodies from the client, and of response bodies to it. */
  bytesFromClient: number;
  bytesToClient: number;
  /** Response body bytes of blob GETs (source bytes read, for the benchmark). */
  blobBytesToClient: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  arrivals: Arrival[];
  announcements: Announcement[];
  counters(): ProxyCounters;
  /**
   * Resolves once `condition` holds, checked now and after every logged arrival and response;
   * rejects after `timeoutMs` (default 10 s) with `what` in the message.
   */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Clears arrivals, announcements and counters (between benchmark scenarios). */
  reset(): void;
  /** Changes the fault plan from now on. */
  configure(opts: Partial<Pick<FaultProxyOptions, 'rates' | 'nth' | 'paths' | 'latency' | 'bandwidth' | 'quota' | 'down' | 'retryAfterSeconds' | 'trickleMs'>>): void;
  stop(): Promise<void>;
  /** Resolves when the proxy has closed (stop() or the end of its lifetime). */
  readonly closed: Promise<void>;
}

/** Counters at zero. */
export function emptyCounters(): ProxyCounters {
  return { requests: 0, byKind: {}, faults: {}, bytesFromClient: 0, bytesToClient: 0, blobBytesToClient: 0 };
}
