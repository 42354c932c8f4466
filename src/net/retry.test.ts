import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { FakeClock } from './clock.js';
import {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  createRetryRunner,
  isTransientError,
  isTransientStatus,
  retryingTransport,
} from './retry.js';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

test('status classification: 408/429/5xx are transient, other 4xx are not', () => {
  const table: Array<[number, boolean]> = [
    [200, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [408, true],
    [409, false],
    [429, true],
    [500, true],
    [501, false],
    [502, true],
    [503, true],
    [504, true],
  ];
  for (const [s, want] of table) assert.equal(isTransientStatus(s), want, String(s));
});

test('error classification', () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  const table: Array<[unknown, boolean]> = [
    [coded('ECONNRESET'), true],
    [coded('ECONNREFUSED'), true],
    [coded('UND_ERR_HEADERS_TIMEOUT'), true],
    [coded('UND_ERR_BODY_TIMEOUT'), true],
    [new Error('wrapped', { cause: coded('EPIPE') }), true],
    [Object.assign(new Error('registry'), { retryable: true }), true],
    [Object.assign(new Error('registry 404'), { retryable: false, status: 404 }), false],
    [Object.assign(new Error('status only'), { status: 503 }), true],
    [Object.assign(new Error('status only'), { status: 403 }), false],
    [Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ECONNRESET' }), false],
    [new Error('plain'), false],
    ['string', false],
  ];
  for (const [e, want] of table) assert.equal(isTransientError(e), want, String((e as Error).message ?? e));
});

test('backoff doubles with equal jitter and a ceiling', () => {
  const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(0, p, () => 0), 50);
  assert.equal(backoffDelay(0, p, () => 1), 100);
  assert.equal(backoffDelay(3, p, () => 1), 800);
  assert.equal(backoffDelay(10, p, () => 1), 1000);
  assert.equal(backoffDelay(10, p, () => 0), 500);
});

test('the runner retries transient errors within the attempt budget and not others', async () => {
  const clock = new FakeClock();
  const run = createRetryRunner({ clock, policy: { maxAttempts: 4 } });
  let calls = 0;
  const transient = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
  await assert.rejects(
    run('op', 'h', async () => {
      calls++;
      throw transient;
    }),
    /reset/,
  );
  assert.equal(calls, 4);
  calls = 0;
  const notFound = Object.assign(new Error('404'), { status: 404 });
  await assert.rejects(run('op', 'h', async () => (calls++, Promise.reject(notFound))), /404/);
  assert.equal(calls, 1);
  assert.equal(await run('op', 'h', async (attempt) => (attempt < 2 ? Promise.reject(transient) : 'ok')), 'ok');
});

test('the runner stops when the total time budget is spent', async () => {
  const clock = new FakeClock();
  const run = createRetryRunner({ clock, random: () => 1, policy: { maxAttempts: 100, baseDelayMs: 1000, maxDelayMs: 1000, maxTotalMs: 3500 } });
  const t0 = clock.now();
  let calls = 0;
  await assert.rejects(run('op', 'h', async () => (calls++, Promise.reject(Object.assign(new Error('x'), { status: 503 })))));
  assert.equal(calls, 4);
  assert.ok(clock.now() - t0 <= 3500);
});

/** A transport answering from a script of statuses or errors. */
function scripted(script: Array<number | Error>): Transport & { seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  return {
    seen,
    async close() {},
    async request(req) {
      seen.push(req);
      const next = script.shift();
      if (next === undefined) throw new Error('script exhausted');
      if (next instanceof Error) throw next;
      const headers: HttpResponse['headers'] = next === 429 ? { 'retry-after': '3' } : {};
      return { status: next, headers, body: Readable.from([]) };
    },
  };
}

test('the transport resends replayable requests on 429/5xx/resets, honouring Retry-After', async () => {
  const clock = new FakeClock();
  const base = scripted([429, Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 502, 200]);
  const t = retryingTransport(base, { clock, random: () => 0 });
  const t0 = clock.now();
  const res = await t.request({ method: 'PUT', url: new URL('http://h/x'), kind: 'manifest-put', body: new Uint8Array([1]) });
  assert.equal(res.status, 200);
  assert.equal(base.seen.length, 4);
  assert.ok(clock.now() - t0 >= 3000, 'waited at least the Retry-After');
});

test('the transport does not retry 4xx, nor streamed bodies, and returns the last response', async () => {
  const clock = new FakeClock();
  for (const s of [400, 401, 403, 404]) {
    const base = scripted([s, 200]);
    const res = await retryingTransport(base, { clock }).request({ method: 'GET', url: new URL('http://h/'), kind: 'ping' });
    assert.equal(res.status, s);
    assert.equal(base.seen.length, 1);
  }
  const streamed = scripted([503, 200]);
  const res = await retryingTransport(streamed, { clock }).request({
    method: 'PUT',
    url: new URL('http://h/'),
    kind: 'upload-put',
    body: Readable.from([Buffer.from('x')]),
  });
  assert.equal(res.status, 503);
  assert.equal(streamed.seen.length, 1);
  const always = scripted([503, 503, 503]);
  const last = await retryingTransport(always, { clock, policy: { maxAttempts: 3 } }).request({
    method: 'HEAD',
    url: new URL('http://h/'),
    kind: 'blob-head',
  });
  assert.equal(last.status, 503);
  assert.equal(always.seen.length, 3);
});
