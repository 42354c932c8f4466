/**
 * A pass-through Readable that counts the bytes flowing out of a source stream, for the
 * per-host byte stats. Hand-wired instead of `Transform` + `stream.pipeline`: the pipeline made
 * an AbortController, and a premature-close error with its stack trace, for every response body
 * a consumer let go of, which showed up as a tenth of the client's CPU on a cold promotion.
 */
import { Readable } from 'node:stream';

/** What a source may offer to drain its rest instead of being destroyed (undici bodies do). */
interface Dumpable {
  dump?: (opts?: { limit?: number }) => Promise<unknown>;
}

/** Largest rest of a let-go body still read to keep its connection (as registry/digest.ts discard). */
const DUMP_LIMIT = 64 * 1024;

/**
 * Returns a Readable yielding `src`'s bytes and calling `count(n)` for each chunk read from it.
 * Errors of `src` destroy the result with the same error; a `src` that closes without ending
 * destroys it with a premature-close error. Destroying the result with an error destroys `src`
 * with it; destroying it without one (a consumer letting go) dumps the small rest of an undici
 * body, which keeps its keep-alive connection, and destroys any other source.
 */
export function countingStream(src: Readable, count: (n: number) => void): Readable {
  let ended = false;
  const out = new Readable({
    read() {
      src.resume();
    },
    destroy(err, cb) {
      if (!src.destroyed && !ended) {
        const dump = (src as Dumpable).dump;
        if (!err && typeof dump === 'function') {
          src.on('error', () => {});
          dump.call(src, { limit: DUMP_LIMIT }).catch(() => {});
        } else src.destroy(err ?? undefined);
      }
      cb(err);
    },
  });
  src.on('data', (chunk: Buffer) => {
    count(chunk.length);
    if (!out.destroyed && !out.push(chunk)) src.pause();
  });
  src.once('end', () => {
    ended = true;
    if (!out.destroyed) out.push(null);
  });
  src.on('error', (err) => out.destroy(err));
  src.once('close', () => {
    if (!ended && !out.destroyed) out.destroy(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
  });
  return out;
}
