/** The proxy's throttling: a per-host request quota in fixed windows, and per-connection bandwidth pacing. */
import type { Socket } from 'node:net';
import type { FaultProxyOptions } from './fault-proxy-types.js';

/** Admits at most `quota.limit` requests per fixed window. */
export class QuotaWindow {
  private window: { start: number; admitted: number };

  constructor(start: number) {
    this.window = { start, admitted: 0 };
  }

  /** Starts a fresh window at `start`. */
  reset(start: number): void {
    this.window = { start, admitted: 0 };
  }

  /** Admits a request at `t` (undefined), or tells when the current window ends. */
  exceeded(quota: FaultProxyOptions['quota'], t: number): number | undefined {
    if (!quota) return undefined;
    const w = quota.windowMs ?? 60_000;
    if (t - this.window.start >= w) this.window = { start: t - ((t - this.window.start) % w), admitted: 0 };
    if (this.window.admitted < quota.limit) {
      this.window.admitted++;
      return undefined;
    }
    return this.window.start + w;
  }
}

/** When each direction of a client connection is free again (bandwidth pacing), on the proxy's clock. */
export class Pacer {
  private readonly links = new WeakMap<Socket, { in: number; out: number }>();

  constructor(private readonly now: () => number) {}

  /** How long to hold `n` bytes going `dir` on `socket` so the connection carries no more than `bandwidth`. */
  pace(bandwidth: FaultProxyOptions['bandwidth'], socket: Socket, dir: 'in' | 'out', n: number): number {
    const bw = bandwidth?.bytesPerSecond;
    if (!bw || n === 0) return 0;
    let link = this.links.get(socket);
    if (!link) this.links.set(socket, (link = { in: 0, out: 0 }));
    const t = this.now();
    link[dir] = Math.max(link[dir], t) + (n * 1000) / bw;
    return link[dir] - t;
  }
}
