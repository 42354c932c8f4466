import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from './clock.js';
import { TokenBucket } from './token-bucket.js';

test('a full bucket gives `burst` tokens at once, then paces at `rate`', () => {
  const clock = new FakeClock();
  const b = new TokenBucket({ rate: 10, burst: 3, clock });
  assert.deepEqual([b.reserve(), b.reserve(), b.reserve()], [0, 0, 0]);
  // Reservations queue in order: the 4th waits 100 ms, the 5th 200 ms.
  assert.equal(b.reserve(), 100);
  assert.equal(b.reserve(), 200);
});

test('tokens refill with time but never beyond burst', () => {
  const clock = new FakeClock();
  const b = new TokenBucket({ rate: 10, burst: 2, clock });
  b.reserve();
  b.reserve();
  clock.advance(10_000);
  assert.deepEqual([b.reserve(), b.reserve(), b.reserve()], [0, 0, 100]);
});

test('take() under contention never exceeds the rate', async () => {
  const clock = new FakeClock();
  const b = new TokenBucket({ rate: 20, burst: 5, clock });
  const t0 = clock.now();
  const times: number[] = [];
  await Promise.all(Array.from({ length: 65 }, () => b.take().then(() => times.push(clock.now() - t0))));
  // 5 at once, then 60 more at 20/s = 3 s.
  assert.equal(Math.max(...times), 3000);
  for (let w = 0; w <= 3000; w += 250) {
    const inWindow = times.filter((t) => t >= w && t < w + 1000).length;
    assert.ok(inWindow <= 20 + 5, `window at ${w}: ${inWindow}`);
  }
});

test('setRate slows later reservations', () => {
  const clock = new FakeClock();
  const b = new TokenBucket({ rate: 100, burst: 1, clock });
  assert.equal(b.reserve(), 0);
  b.setRate(2, 1);
  assert.equal(b.reserve(), 500);
});

test('invalid rates are refused', () => {
  assert.throws(() => new TokenBucket({ rate: 0, burst: 1 }), RangeError);
});
