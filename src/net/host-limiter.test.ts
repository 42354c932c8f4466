import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from './clock.js';
import { HostLimiter, type HostBudget } from './host-limiter.js';
import { HostPausedError } from './host-paused.js';

const budget = (over: Partial<HostBudget> = {}): HostBudget => ({
  qps: 1000,
  burst: 1000,
  concurrency: { initial: 8, min: 1, max: 16 },
  ...over,
});

test('AIMD: the in-flight cap halves once per congestion window and grows by 1/limit per success', async () => {
  const clock = new FakeClock();
  const l = new HostLimiter('h', budget(), clock);
  // 8 requests in flight; all of them come back 429: one halving, not eight.
  const leases = await Promise.all(Array.from({ length: 8 }, () => l.acquire()));
  for (const lease of leases) lease.release({ status: 429 });
  assert.equal(l.concurrencyLimit, 4);
  // A request started after the halving that also fails halves again.
  (await l.acquire()).release({ status: 503 });
  assert.equal(l.concurrencyLimit, 2);
  (await l.acquire()).release({ timeout: true });
  assert.equal(l.concurrencyLimit, 1);
  (await l.acquire()).release({ status: 503 });
  assert.equal(l.concurrencyLimit, 1, 'never below min');
  // Additive increase: from 1, successes add 1/limit each.
  for (let i = 0; i < 5; i++) (await l.acquire()).release({ status: 200 });
  assert.ok(l.concurrencyLimit >= 3 && l.concurrencyLimit <= 4, String(l.concurrencyLimit));
  for (let i = 0; i < 500; i++) (await l.acquire()).release({ status: 200 });
  assert.equal(l.concurrencyLimit, 16, 'never above max');
});

test('no more than the cap is in flight at once', async () => {
  const clock = new FakeClock();
  const l = new HostLimiter('h', budget({ concurrency: { initial: 3, min: 1, max: 3 } }), clock);
  let inFlight = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      const lease = await l.acquire();
      inFlight++;
      peak = Math.max(peak, inFlight);
      await clock.sleep(10);
      inFlight--;
      lease.release({ status: 200 });
    }),
  );
  assert.equal(peak, 3);
});

test('Retry-After is a floor for this host only', async () => {
  const clock = new FakeClock();
  const a = new HostLimiter('a', budget(), clock);
  const b = new HostLimiter('b', budget(), clock);
  const t0 = clock.now();
  (await a.acquire()).release({ status: 429, retryAfterMs: 5000 });
  assert.equal(a.notBefore, t0 + 5000);
  const order: string[] = [];
  await Promise.all([
    a.acquire().then((l) => {
      order.push(`a@${clock.now() - t0}`);
      l.release({ status: 200 });
    }),
    b.acquire().then((l) => {
      order.push(`b@${clock.now() - t0}`);
      l.release({ status: 200 });
    }),
  ]);
  assert.deepEqual(order, ['b@0', 'a@5000']);
});

test('a 429 carrying a quota caps the rate under it; without one the rate halves', async () => {
  const clock = new FakeClock();
  const q = new HostLimiter('q', budget({ qps: 50, burst: 10 }), clock);
  (await q.acquire()).release({ status: 429, quota: { limit: 600, windowSeconds: 60 } });
  assert.equal(q.rate, 9);
  for (let i = 0; i < 100; i++) (await q.acquire()).release({ status: 200 });
  assert.equal(q.rate, 9, 'a learned quota is not exceeded by recovery');

  const h = new HostLimiter('h', budget({ qps: 40, burst: 10 }), clock);
  (await h.acquire()).release({ status: 429 });
  assert.equal(h.rate, 20);
  for (let i = 0; i < 2000; i++) (await h.acquire()).release({ status: 200 });
  assert.equal(h.rate, 40, 'recovers up to the configured budget');
});

test('the budget paces requests of one host', async () => {
  const clock = new FakeClock();
  const l = new HostLimiter('h', budget({ qps: 10, burst: 1 }), clock);
  const t0 = clock.now();
  for (let i = 0; i < 11; i++) (await l.acquire()).release({ status: 200 });
  assert.equal(clock.now() - t0, 1000);
});

test('an aborted wait gives its slot back', async () => {
  const clock = new FakeClock();
  const l = new HostLimiter('h', budget({ concurrency: { initial: 1, min: 1, max: 1 } }), clock);
  const held = await l.acquire();
  const ac = new AbortController();
  const waiting = l.acquire(ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  held.release({ status: 200 });
  const next = await l.acquire();
  next.release({ status: 200 });
});

test('a Retry-After beyond the cap pauses the host for the run: waiting and later requests fail at once', async () => {
  const clock = new FakeClock();
  const l = new HostLimiter('h', budget({ concurrency: { initial: 1, min: 1, max: 1 }, maxRetryAfterMs: 10_000 }), clock);
  const first = await l.acquire();
  const waiting = l.acquire().then(() => 'acquired', (e: unknown) => e);
  first.release({ status: 429, retryAfterMs: 10_001 });
  const err = await waiting;
  assert.ok(err instanceof HostPausedError, String(err));
  assert.equal(err.host, 'h');
  assert.equal(l.paused, err);
  await assert.rejects(l.acquire(), HostPausedError);
  assert.equal(l.notBefore, 0, 'no floor is set: nobody waits for the pause');
  // a Retry-After within the cap is a floor for the host, not a pause
  const l2 = new HostLimiter('h2', budget({ maxRetryAfterMs: 10_000 }), clock);
  (await l2.acquire()).release({ status: 429, retryAfterMs: 10_000 });
  assert.equal(l2.paused, undefined);
  const t0 = clock.now();
  (await l2.acquire()).release({ status: 200 });
  assert.ok(clock.now() - t0 >= 10_000);
});

test('a request waiting for a token is held back by a Retry-After that arrives meanwhile', async () => {
  const clock = new FakeClock();
  const t0 = clock.now();
  const l = new HostLimiter('h', budget({ qps: 1, burst: 1 }), clock);
  const a = await l.acquire();
  // The second request needs a token (1 s away); at 0.5 s the first comes back 429, Retry-After 5 s.
  const throttled = clock.sleep(500).then(() => a.release({ status: 429, retryAfterMs: 5000 }));
  const b = await l.acquire();
  await throttled;
  assert.ok(clock.now() - t0 >= 5500, `sent at +${clock.now() - t0} ms, before the floor at +5500 ms`);
  b.release({ status: 200 });
});
