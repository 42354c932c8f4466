/**
 * A bounded work queue: `offer` takes a batch whole or refuses it (the HTTP layer answers 503
 * with Retry-After, so the registry keeps the events and sends them again), a few workers take
 * items in arrival order, and `drained` resolves once everything offered is done.
 */

/** Bounded FIFO with `concurrency` workers. */
export class WorkQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private active = 0;
  private idle: (() => void)[] = [];

  /** `work` must not throw (it handles its own errors); a throw is reported to `onError`. */
  constructor(
    readonly capacity: number,
    private readonly concurrency: number,
    private readonly work: (item: T) => Promise<void>,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    if (!(capacity > 0 && concurrency > 0)) throw new RangeError('queue capacity and concurrency must be positive');
  }

  /** Items waiting or in progress. */
  get depth(): number {
    return this.items.length - this.head + this.active;
  }

  /** Queues every item of `batch`, or none when they do not all fit; returns whether they were taken. */
  offer(batch: readonly T[]): boolean {
    if (this.depth + batch.length > this.capacity) return false;
    this.items.push(...batch);
    this.pump();
    return true;
  }

  /** Resolves when no item waits and none is in progress. */
  drained(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.active < this.concurrency && this.head < this.items.length) {
      const item = this.items[this.head++] as T;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      this.active++;
      this.work(item)
        .catch(this.onError)
        .finally(() => {
          this.active--;
          this.pump();
          if (this.depth === 0) for (const r of this.idle.splice(0)) r();
        });
    }
  }
}
