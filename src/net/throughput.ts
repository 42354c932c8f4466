/**
 * A floor on response-body throughput, so no request can hang a run: undici's idle timeout alone
 * lets a body that trickles one byte a minute run for days. Every window, a body that kept its
 * reader waiting for at least half of it must have delivered `minBytesPerSecond` over that
 * waiting time, or it fails with a timeout (retried like any other). Time when the reader is
 * the slow side (its buffer full, e.g. a fan-out to a slow destination) does not count.
 */
import { Readable } from 'node:stream';
import { systemClock, type Clock } from './clock.js';
import { headerValue, type Transport } from './transport.js';

/** The throughput floor. */
export interface ThroughputFloor {
  /** Bytes per second a body must at least deliver while its reader waits. */
  minBytesPerSecond: number;
  /** Length of the measuring window. */
  windowMs: number;
}

/**
 * Defaults: 10 KiB/s over 30 s windows. Any healthy registry or CDN is orders of magnitude
 * faster, and a 1 GiB layer still passes at that floor; a trickling body fails within a minute.
 */
export const DEFAULT_THROUGHPUT_FLOOR: ThroughputFloor = { minBytesPerSecond: 10 * 1024, windowMs: 30_000 };

/** A body that fell below the floor; `ETIMEDOUT` makes it transient and an overload signal. */
export class SlowBodyError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(bytes: number, waitedMs: number, floor: ThroughputFloor) {
    super(`response body too slow: ${bytes} bytes in ${Math.round(waitedMs)} ms of waiting, under the floor of ${floor.minBytesPerSecond} bytes/s`);
    this.name = 'SlowBodyError';
  }
}

/** Why a body's watch ends (its abort reason: no DOMException and stack built per response). */
const WATCH_DONE = new Error('response body settled');

/** Passes `src` through, failing it when it falls below `floor` (see the module comment). */
export function throughputGuard(src: Readable, floor: ThroughputFloor, clock: Clock = systemClock): Readable {
  const stop = new AbortController();
  let bytes = 0;
  let waitedMs = 0;
  let waitingSince: number | undefined = clock.now();
  const settle = (): void => {
    if (waitingSince !== undefined) waitedMs += clock.now() - waitingSince;
    waitingSince = undefined;
  };
  const out = new Readable({
    read() {
      waitingSince ??= clock.now();
      src.resume();
    },
    destroy(err, cb) {
      stop.abort(WATCH_DONE);
      if (!src.destroyed && !src.readableEnded) {
        // a consumer letting go of an undici body: drain its small rest to keep the connection
        const dump = (src as { dump?: (o: { limit: number }) => Promise<unknown> }).dump;
        if (!err && typeof dump === 'function') {
          src.on('error', () => {});
          dump.call(src, { limit: 64 * 1024 }).catch(() => {});
        } else src.destroy(err ?? undefined);
      }
      cb(err);
    },
  });
  src.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (out.destroyed) return;
    if (!out.push(chunk)) {
      settle();
      src.pause();
    }
  });
  src.once('end', () => {
    stop.abort(WATCH_DONE);
    if (!out.destroyed) out.push(null);
  });
  src.on('error', (err) => out.destroy(err));
  src.once('close', () => {
    stop.abort(WATCH_DONE);
    if (!src.readableEnded && !out.destroyed) out.destroy(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
  });
  void (async () => {
    for (;;) {
      try {
        await clock.sleep(floor.windowMs, stop.signal);
      } catch {
        return;
      }
      const waiting = waitingSince !== undefined;
      settle();
      if (waiting) waitingSince = clock.now();
      if (waitedMs >= floor.windowMs / 2 && (bytes * 1000) / waitedMs < floor.minBytesPerSecond) {
        out.destroy(new SlowBodyError(bytes, waitedMs, floor));
        return;
      }
      bytes = 0;
      waitedMs = 0;
    }
  })();
  return out;
}

/** Guards every response body of `base` with the throughput floor. */
export function throughputTransport(base: Transport, floor: ThroughputFloor, clock: Clock = systemClock): Transport {
  return {
    close: () => base.close(),
    async request(req) {
      const res = await base.request(req);
      // no body to watch: a HEAD, or an answer that declares none (most write answers)
      if (req.method === 'HEAD' || headerValue(res, 'content-length') === '0') return res;
      return { ...res, body: throughputGuard(res.body, floor, clock) };
    },
  };
}
