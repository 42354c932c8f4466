/**
 * Fan-out: one source read feeding several uploads. Each sink gets its own stream; the source
 * advances only when every attached sink has room (backpressure), so memory stays bounded by
 * the streams' buffers. A sink that fails is detached and the others carry on.
 */
import { PassThrough, type Readable } from 'node:stream';

/** An upload that consumes the bytes it is given. */
export type Sink = (body: Readable) => Promise<void>;

/** Per-sink buffer: a few chunks, so a slow destination throttles the read instead of filling memory. */
const SINK_HIGH_WATER_MARK = 256 * 1024;

/** Streams `source` to every sink at once; resolves with each sink's result once all have settled. */
export async function fanOut(source: Readable, sinks: readonly Sink[]): Promise<PromiseSettledResult<void>[]> {
  const outs = sinks.map(() => new PassThrough({ highWaterMark: SINK_HIGH_WATER_MARK }));
  const active = new Set(outs.keys());
  const detach = (i: number, err?: unknown): void => {
    if (!active.delete(i)) return;
    outs[i]!.destroy(err instanceof Error ? err : undefined);
  };
  const results = Promise.allSettled(
    sinks.map(async (sink, i) => {
      try {
        await sink(outs[i]!);
      } finally {
        detach(i); // done or failed: stop feeding it either way
      }
    }),
  );
  try {
    for await (const chunk of source) {
      if (active.size === 0) break;
      const waits: Promise<void>[] = [];
      for (const i of active) if (!outs[i]!.write(chunk)) waits.push(roomOrGone(outs[i]!));
      await Promise.all(waits);
    }
    for (const i of active) outs[i]!.end();
  } catch (err) {
    for (const i of [...active]) detach(i, err); // a broken or corrupt source fails every upload
  } finally {
    if (!source.destroyed) source.destroy();
  }
  return results;
}

/** Resolves when the stream can take more, or when it is closed (its sink finished or failed). */
function roomOrGone(s: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}
