import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './queue.js';

test('WorkQueue: a batch that does not fit is refused whole; drained waits for the work in hand', async () => {
  const release: (() => void)[] = [];
  const done: number[] = [];
  const q = new WorkQueue<number>(3, 1, (n) => new Promise<void>((r) => release.push(() => (done.push(n), r()))));
  assert.equal(q.offer([1, 2]), true);
  assert.equal(q.offer([3, 4]), false, 'two more do not fit in three');
  assert.equal(q.depth, 2);
  assert.equal(q.offer([3]), true);
  let drained = false;
  const d = q.drained().then(() => (drained = true));
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, false);
    release.shift()!();
  }
  await d;
  assert.deepEqual(done, [1, 2, 3], 'in arrival order with one worker');
  assert.equal(q.depth, 0);
});

test('WorkQueue: a throwing worker is reported and the queue goes on', async () => {
  const errors: unknown[] = [];
  const q = new WorkQueue<number>(10, 2, async (n) => {
    if (n === 2) throw new Error('boom');
  }, (e) => errors.push(e));
  q.offer([1, 2, 3]);
  await q.drained();
  assert.equal(errors.length, 1);
});

test('WorkQueue: a long run keeps its backing array bounded', async () => {
  const q = new WorkQueue<number>(100, 4, async () => {});
  for (let i = 0; i < 5000; i++) {
    assert.equal(q.offer([i]), true);
    if (i % 50 === 0) await q.drained();
  }
  await q.drained();
  assert.ok((q as unknown as { items: unknown[] }).items.length <= 2048);
});
