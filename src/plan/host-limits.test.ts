import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachByHost } from './host-limits.js';

test('eachByHost: every item once, in order per host, at most perHost of one host at a time, hosts side by side', async () => {
  const items = Array.from({ length: 60 }, (_, i) => ({ host: `h${i % 3}`, i }));
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  let peakAll = 0;
  const started: number[] = [];
  // each call waits until released, so concurrency is what the pool allows, not what timing allows
  const waiting: Array<() => void> = [];
  const release = (): void => {
    while (waiting.length) waiting.shift()!();
  };
  const done = eachByHost(items, (x) => x.host, 2, async (x) => {
    started.push(x.i);
    running.set(x.host, (running.get(x.host) ?? 0) + 1);
    peak.set(x.host, Math.max(peak.get(x.host) ?? 0, running.get(x.host)!));
    peakAll = Math.max(peakAll, [...running.values()].reduce((a, b) => a + b, 0));
    await new Promise<void>((r) => waiting.push(r));
    running.set(x.host, running.get(x.host)! - 1);
  });
  for (let round = 0; round < 100 && started.length < items.length; round++) {
    await new Promise((r) => setImmediate(r));
    release();
  }
  release();
  await done;
  assert.deepEqual([...started].sort((a, b) => a - b), items.map((x) => x.i));
  for (const h of ['h0', 'h1', 'h2']) {
    assert.equal(peak.get(h), 2, `host ${h}`);
    const order = started.filter((i) => items[i]!.host === h);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `host ${h} in order`);
  }
  assert.equal(peakAll, 6);
});
