/**
 * Progress seam: the library reports how far a run is (per phase, images and bytes) through a
 * ProgressSink, and the CLI renders it (src/cli/progress.ts). The library itself never prints.
 */

/** Amounts of work: images (edges or manifests) and bytes (blobs copied). */
export interface ProgressAmount {
  images?: number;
  bytes?: number;
}

/** Receives progress events. Implementations must be cheap: the copy engine calls advance often. */
export interface ProgressSink {
  /** A phase started; `total` is the work expected in it, when known. */
  phase(name: string, total?: ProgressAmount): void;
  /** Work finished in the current phase since the last call (increments, not totals). */
  advance(done: ProgressAmount): void;
  /** More work discovered in the current phase (e.g. an index's children), added to the total. */
  grow(more: ProgressAmount): void;
}

/** A sink that ignores everything (the default when nobody watches). */
export const nullProgress: ProgressSink = {
  phase() {},
  advance() {},
  grow() {},
};

/** One recorded progress event (MemoryProgress). */
export type ProgressEvent =
  | { kind: 'phase'; name: string; total: ProgressAmount }
  | { kind: 'advance'; done: ProgressAmount }
  | { kind: 'grow'; more: ProgressAmount };

/** A sink that records events, for tests. */
export class MemoryProgress implements ProgressSink {
  readonly events: ProgressEvent[] = [];
  phase(name: string, total: ProgressAmount = {}): void {
    this.events.push({ kind: 'phase', name, total });
  }
  advance(done: ProgressAmount): void {
    this.events.push({ kind: 'advance', done });
  }
  grow(more: ProgressAmount): void {
    this.events.push({ kind: 'grow', more });
  }
  /** Sum of `advance` events per phase name. */
  totals(): Map<string, Required<ProgressAmount>> {
    const out = new Map<string, Required<ProgressAmount>>();
    let current = '';
    for (const e of this.events) {
      if (e.kind === 'phase') {
        current = e.name;
        if (!out.has(current)) out.set(current, { images: 0, bytes: 0 });
      } else if (e.kind === 'advance') {
        const t = out.get(current) ?? { images: 0, bytes: 0 };
        t.images += e.done.images ?? 0;
        t.bytes += e.done.bytes ?? 0;
        out.set(current, t);
      }
    }
    return out;
  }
}
