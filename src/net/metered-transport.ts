/**
 * The Transport decorator that makes every attempt (reads, writes and token fetches alike)
 * pass its host's limiter, and records per-host stats: kind, status, waits and bytes.
 */
import type { Readable } from 'node:stream';
import { countingStream } from './counting-stream.js';
import type { HostLimiter, LeaseOutcome } from './host-limiter.js';
import { isTimeoutError } from './retry.js';
import { parseQuota, parseRetryAfter } from './retry-after.js';
import type { NetworkStats, HostStatsRecorder } from './stats.js';
import { headerValue, type HttpResponse, type Transport } from './transport.js';

/** Passes bytes through, counting them (errors and destruction propagate both ways). */
function counted(src: Readable, rec: HostStatsRecorder, direction: 'in' | 'out'): Readable {
  return countingStream(src, (n) => rec.bytes(direction, n));
}

/** What the response tells the limiter. */
function outcomeOf(res: HttpResponse): LeaseOutcome {
  const status = res.status;
  if (status !== 429 && status !== 503) return { status };
  const ra = parseRetryAfter(headerValue(res, 'retry-after'), Date.now());
  const quota =
    parseQuota(headerValue(res, 'ratelimit-policy')) ??
    parseQuota(headerValue(res, 'ratelimit-limit')) ??
    parseQuota(headerValue(res, 'x-ratelimit-limit'));
  return { status, retryAfterMs: ra, quota };
}

/** Limits and meters every request through the limiter of its host. */
export function meteredTransport(
  base: Transport,
  limiterFor: (host: string) => HostLimiter,
  stats: NetworkStats,
): Transport {
  return {
    close: () => base.close(),
    async request(req) {
      const host = req.url.host;
      const rec = stats.forHost(host);
      const streamed = req.body !== undefined && !(req.body instanceof Uint8Array);
      const lease = await limiterFor(host).acquire(req.signal, streamed);
      let body = req.body;
      if (body instanceof Uint8Array) rec.bytes('out', body.byteLength);
      else if (body) body = counted(body, rec, 'out');
      rec.started(req.kind);
      let res: HttpResponse;
      try {
        res = await base.request({ ...req, body });
      } catch (err) {
        rec.finished(undefined);
        lease.release({ timeout: isTimeoutError(err) });
        throw err;
      }
      rec.finished(res.status);
      const limiter = limiterFor(host);
      lease.release(outcomeOf(res));
      // this answer's Retry-After is beyond what the run waits: the host is failed for the run
      const inBody = counted(res.body, rec, 'in');
      const paused = limiter.paused;
      if (paused && (res.status === 429 || res.status === 503)) {
        inBody.destroy(); // a let-go body: its small rest is drained, keeping the connection
        throw paused;
      }
      return { ...res, body: inBody };
    },
  };
}
