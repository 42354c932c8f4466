import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { FakeClock } from './clock.js';
import { HostPausedError } from './host-paused.js';
import { budgetFor, createNetwork, DEFAULT_QPS, isLoopbackHost, LOOPBACK_QPS } from './policy.js';
import { DEFAULT_RETRY_POLICY } from './retry.js';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

/** A fake registry host map: status per host, records arrival times on the fake clock. */
function fakeBase(clock: FakeClock, statusOf: (req: HttpRequest, n: number) => number) {
  const arrivals: Array<{ host: string; at: number }> = [];
  const base: Transport = {
    async close() {},
    async request(req) {
      arrivals.push({ host: req.url.host, at: clock.now() });
      const status = statusOf(req, arrivals.filter((a) => a.host === req.url.host).length);
      const headers: HttpResponse['headers'] = status === 429 ? { 'retry-after': '2' } : {};
      return { status, headers, body: Readable.from([Buffer.from('hello')]) };
    },
  };
  return { base, arrivals };
}

test('per-host budgets, overrides by host or hostname', () => {
  assert.equal(budgetFor('a:5000', {}).qps, DEFAULT_QPS);
  assert.equal(budgetFor('a:5000', { qps: 7 }).qps, 7);
  assert.equal(budgetFor('a:5000', { qps: 7, hostQps: { a: 3 } }).qps, 3);
  assert.equal(budgetFor('a:5000', { qps: 7, hostQps: { a: 3, 'a:5000': 2 } }).qps, 2);
});

test('every attempt takes a token; a throttled host pauses alone; stats add up', async () => {
  const clock = new FakeClock();
  const { base, arrivals } = fakeBase(clock, (req, n) => (req.url.host === 'slow' && n === 1 ? 429 : 200));
  const net = createNetwork({ base, clock, qps: 10, burst: 1, random: () => 0 });
  const t0 = clock.now();
  const get = async (host: string) => {
    const res = await net.transport.request({ method: 'GET', url: new URL(`http://${host}/v2/`), kind: 'ping' });
    await text(res.body);
    return res.status;
  };
  const results = await Promise.all([get('slow'), ...Array.from({ length: 5 }, () => get('fast'))]);
  assert.deepEqual(results, [200, 200, 200, 200, 200, 200]);
  const slow = arrivals.filter((a) => a.host === 'slow').map((a) => a.at - t0);
  assert.equal(slow.length, 2);
  assert.ok(slow[1]! >= 2000, `second attempt at ${slow[1]} must respect Retry-After 2 s`);
  const fast = arrivals.filter((a) => a.host === 'fast').map((a) => a.at - t0);
  assert.deepEqual(fast, [0, 100, 200, 300, 400], 'the other host keeps its own pace');
  const stats = net.stats();
  const s = stats.find((h) => h.host === 'slow')!;
  assert.equal(s.requests, 2);
  assert.equal(s.retries, 1);
  assert.equal(s.throttled, 1);
  assert.ok(s.waitedMs >= 1900);
  const f = stats.find((h) => h.host === 'fast')!;
  assert.deepEqual(f.byKind, { ping: 5 });
  assert.equal(f.bytesIn, 25);
  await net.close();
});

test('bytes out are counted for buffered and streamed bodies', async () => {
  const clock = new FakeClock();
  const { base } = fakeBase(clock, () => 201);
  const net = createNetwork({ base, clock });
  const a = await net.transport.request({ method: 'PUT', url: new URL('http://h/a'), kind: 'manifest-put', body: new Uint8Array(10) });
  await text(a.body);
  const b = await net.transport.request({
    method: 'PUT',
    url: new URL('http://h/b'),
    kind: 'upload-put',
    body: Readable.from([Buffer.alloc(7)]),
  });
  await text(b.body);
  // The fake base never reads a streamed body, so only the buffered one is counted here.
  assert.equal(net.stats()[0]!.bytesOut >= 10, true);
  assert.deepEqual(net.stats()[0]!.byKind, { 'manifest-put': 1, 'upload-put': 1 });
});

test('retries do not multiply across layers, and an unreachable host then fails fast', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const base: Transport = {
    async close() {},
    async request() {
      calls++;
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    },
  };
  const net = createNetwork({ base, clock, retry: { maxAttempts: 4 } });
  const op = () => net.retry('op', 'down', () => net.transport.request({ method: 'GET', url: new URL('http://down/v2/'), kind: 'ping' }));
  await assert.rejects(op(), /ECONNREFUSED/);
  assert.equal(calls, 4, 'the runner did not retry what the transport had already retried');
  await assert.rejects(op(), /ECONNREFUSED/);
  assert.equal(calls, 5, 'a host that gave no answer gets a single attempt for a while');
  clock.advance(60_000);
  await assert.rejects(op(), /ECONNREFUSED/);
  assert.equal(calls, 9, 'after the window, full retries again');
});

test('loopback hosts default to LOOPBACK_QPS (no shared quota); explicit budgets still apply to them', () => {
  for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['127.example.com', '10.0.0.1', 'us-docker.pkg.dev', '128.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
  assert.equal(budgetFor('127.0.0.1:5000', {}).qps, LOOPBACK_QPS);
  assert.equal(budgetFor('[::1]:5000', {}).qps, LOOPBACK_QPS);
  assert.equal(budgetFor('127.0.0.1:5000', { qps: 7 }).qps, 7);
  assert.equal(budgetFor('127.0.0.1:5000', { hostQps: { '127.0.0.1': 3 } }).qps, 3);
  assert.equal(budgetFor('registry.example:5000', {}).qps, DEFAULT_QPS);
});

test('a Retry-After beyond the cap fails that host for the run at once; other hosts go on', async () => {
  const clock = new FakeClock();
  const arrivals: string[] = [];
  const base: Transport = {
    async close() {},
    async request(req) {
      arrivals.push(req.url.host);
      const paused = req.url.host === 'paused';
      return { status: paused ? 429 : 200, headers: paused ? { 'retry-after': '999999' } : {}, body: Readable.from([Buffer.from('ok')]) };
    },
  };
  const net = createNetwork({ base, clock, maxRetryAfterMs: 60_000, retry: { maxAttempts: 5 } });
  const get = (host: string) => net.transport.request({ method: 'GET', url: new URL(`http://${host}/v2/`), kind: 'ping' });
  const t0 = clock.now();
  const errs = await Promise.all(Array.from({ length: 4 }, () => get('paused').then(() => undefined, (e: unknown) => e)));
  for (const err of errs) {
    assert.ok(err instanceof HostPausedError, String(err));
    assert.equal(err.code, 'HOST_PAUSED');
    assert.match(err.message, /^paused paused for this run: it answered Retry-After 999999 s \(277\.8 h\), beyond the 60 s this run waits/);
  }
  assert.equal((await get('other')).status, 200);
  assert.equal(clock.now() - t0, 0, 'nobody waited for the pause');
  // once paused, requests are refused without reaching the host, and none was retried
  const reached = arrivals.filter((h) => h === 'paused').length;
  assert.ok(reached >= 1 && reached <= 4);
  await assert.rejects(get('paused'), HostPausedError);
  assert.equal(arrivals.filter((h) => h === 'paused').length, reached);
  assert.equal(net.stats().find((h) => h.host === 'paused')!.retries, 0);
  await net.close();
});

test('the documented defaults, as literal values (README "Network policy")', async () => {
  assert.deepEqual(budgetFor('us-docker.pkg.dev', {}), { qps: 50, burst: 10, concurrency: { initial: 16, min: 1, max: 64 } });
  assert.deepEqual(budgetFor('127.0.0.1:5000', {}), { qps: 1000, burst: 10, concurrency: { initial: 16, min: 1, max: 64 } });
  assert.deepEqual(DEFAULT_RETRY_POLICY, { maxAttempts: 6, maxTotalMs: 120_000, baseDelayMs: 500, maxDelayMs: 8_000 });
  // And as behaviour, on a fake clock: 10 requests go at once, then one every 20 ms (50 req/s);
  // a loopback host sends its next one 1 ms (1,000 req/s) after the burst.
  const clock = new FakeClock();
  const { base, arrivals } = fakeBase(clock, () => 200);
  const net = createNetwork({ base, clock, concurrency: { initial: 64 } });
  const t0 = clock.now();
  const get = async (host: string) => text((await net.transport.request({ method: 'GET', url: new URL(`http://${host}/v2/`), kind: 'ping' })).body);
  await Promise.all([...Array.from({ length: 13 }, () => get('us-docker.pkg.dev')), ...Array.from({ length: 12 }, () => get('127.0.0.1:5000'))]);
  const at = (host: string) => arrivals.filter((a) => a.host === host).map((a) => a.at - t0);
  assert.deepEqual(at('us-docker.pkg.dev'), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 40, 60]);
  assert.deepEqual(at('127.0.0.1:5000'), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
  await net.close();
});

test('a shard takes its share of every host budget: req/s, burst and in-flight ceiling (at least 1)', () => {
  const cases: { opts: Parameters<typeof budgetFor>[1]; qps: number; burst: number; max: number; initial: number }[] = [
    { opts: { share: 1 / 4 }, qps: DEFAULT_QPS / 4, burst: 3, max: 16, initial: 16 },
    { opts: { share: 1 / 4, qps: 40, hostQps: { a: 8 }, burst: 4, concurrency: { max: 6 } }, qps: 2, burst: 1, max: 2, initial: 2 },
    { opts: { share: 1 / 100 }, qps: DEFAULT_QPS / 100, burst: 1, max: 1, initial: 1 },
    { opts: { share: 1 }, qps: DEFAULT_QPS, burst: 10, max: 64, initial: 16 },
  ];
  for (const c of cases) {
    const b = budgetFor('a:5000', c.opts);
    assert.deepEqual([b.qps, b.burst, b.concurrency.max, b.concurrency.initial], [c.qps, c.burst, c.max, c.initial], JSON.stringify(c.opts));
    assert.ok(b.concurrency.min <= b.concurrency.max);
  }
  assert.equal(budgetFor('127.0.0.1:5000', { share: 1 / 2 }).qps, LOOPBACK_QPS / 2);
});
