/**
 * Per-host network statistics for the report and the benchmark: requests by kind (every
 * attempt that reached the wire), retries, 429s, time spent waiting on budgets and
 * Retry-After, bytes each way, and the peak number of requests in flight.
 */
import type { RequestKind } from './transport.js';

/** Counters of one registry host. */
export interface HostStats {
  host: string;
  /** Attempts sent (each retry counts again). */
  requests: number;
  byKind: Partial<Record<RequestKind, number>>;
  /** Responses by HTTP status class or code of interest, e.g. {"2xx": 10, "429": 1}. */
  byStatus: Record<string, number>;
  /** Requests or operations attempted again after a transient failure. */
  retries: number;
  /** 429 responses received. */
  throttled: number;
  /** Network errors (resets, timeouts, refused connections). */
  networkErrors: number;
  /** Milliseconds spent waiting: for a token, a concurrency slot, a Retry-After floor or a retry backoff. */
  waitedMs: number;
  /** Response body bytes read. */
  bytesIn: number;
  /** Request body bytes sent. */
  bytesOut: number;
  /** Most requests in flight at once. */
  peakInFlight: number;
}

/** Mutable recorder for one host. */
export class HostStatsRecorder {
  readonly data: HostStats;
  private inFlight = 0;

  constructor(host: string) {
    this.data = {
      host,
      requests: 0,
      byKind: {},
      byStatus: {},
      retries: 0,
      throttled: 0,
      networkErrors: 0,
      waitedMs: 0,
      bytesIn: 0,
      bytesOut: 0,
      peakInFlight: 0,
    };
  }

  /** An attempt is leaving for the wire. */
  started(kind: RequestKind): void {
    this.data.requests++;
    this.data.byKind[kind] = (this.data.byKind[kind] ?? 0) + 1;
    this.inFlight++;
    this.data.peakInFlight = Math.max(this.data.peakInFlight, this.inFlight);
  }

  /** An attempt got its response headers (status) or failed (undefined). */
  finished(status: number | undefined): void {
    this.inFlight--;
    if (status === undefined) {
      this.data.networkErrors++;
      return;
    }
    const key = status === 429 || status >= 500 || status === 408 ? String(status) : `${Math.floor(status / 100)}xx`;
    this.data.byStatus[key] = (this.data.byStatus[key] ?? 0) + 1;
    if (status === 429) this.data.throttled++;
  }

  retried(): void {
    this.data.retries++;
  }

  waited(ms: number): void {
    this.data.waitedMs += ms;
  }

  bytes(direction: 'in' | 'out', n: number): void {
    if (direction === 'in') this.data.bytesIn += n;
    else this.data.bytesOut += n;
  }
}

/** Recorders for every host of a run. */
export class NetworkStats {
  private readonly hosts = new Map<string, HostStatsRecorder>();

  /** The recorder of `host` (created on first use). */
  forHost(host: string): HostStatsRecorder {
    let r = this.hosts.get(host);
    if (!r) {
      r = new HostStatsRecorder(host);
      this.hosts.set(host, r);
    }
    return r;
  }

  /** A copy of every host's counters, sorted by host. */
  snapshot(): HostStats[] {
    return [...this.hosts.values()]
      .map((r) => ({ ...r.data, byKind: { ...r.data.byKind }, byStatus: { ...r.data.byStatus } }))
      .sort((a, b) => a.host.localeCompare(b.host));
  }
}
