import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { retryTransient } from './github.js';

const fast = { tries: 3, backoffMs: [0, 0], timeoutMs: 50 };
const failing = (statuses: (number | undefined)[]) => {
  let calls = 0;
  const read = async (): Promise<string> => {
    const status = statuses[calls++];
    if (calls > statuses.length) return 'ok';
    throw Object.assign(new Error(`HTTP ${status}`), status === undefined ? {} : { status });
  };
  return { read, calls: () => calls };
};

test('a GitHub read is retried on 5xx, 429 and no answer, up to its tries; not on a 4xx', async () => {
  const table: [string, (number | undefined)[], string, number][] = [
    ['502 then ok', [502], 'ok', 2],
    ['reset, 429, then ok', [undefined, 429], 'ok', 3],
    ['three 503s', [503, 503, 503], 'HTTP 503', 3],
    ['401', [401], 'HTTP 401', 1],
    ['404', [404], 'HTTP 404', 1],
  ];
  for (const [name, statuses, want, calls] of table) {
    const f = failing(statuses);
    const got = await retryTransient(undefined, f.read, fast).catch((e: Error) => e.message);
    assert.equal(got, want, name);
    assert.equal(f.calls(), calls, name);
  }
});

test('a GraphQL answer with errors is not tried again unless GitHub says it is rate-limited; a 403 is only for a rate limit', async () => {
  const graphqlError = (type: string) => Object.assign(new Error(`Request failed due to following response errors: ${type}`), { errors: [{ type, message: type }] });
  const table: [string, Error, number][] = [
    ['repository not found', graphqlError('NOT_FOUND'), 1],
    ['rate-limited', graphqlError('RATE_LIMITED'), 3],
    ['403 secondary rate limit', Object.assign(new Error('You have exceeded a secondary rate limit'), { status: 403 }), 3],
    ['403 forbidden', Object.assign(new Error('Resource not accessible by integration'), { status: 403 }), 1],
  ];
  for (const [name, err, calls] of table) {
    let n = 0;
    await assert.rejects(retryTransient(undefined, async () => (n++, Promise.reject(err)), fast), name);
    assert.equal(n, calls, name);
  }
});

test('a GitHub read that never answers is cut at its bound, each try, and then fails with that reason', async () => {
  let calls = 0;
  const hang = (s: AbortSignal) => new Promise<never>((_, reject) => (calls++, s.addEventListener('abort', () => reject(new Error('aborted')))));
  // a real request holds its socket open; here a timer keeps the process up (the bound's own timer does not)
  const alive = setInterval(() => {}, 1_000);
  try {
    await assert.rejects(retryTransient(undefined, hang, fast), /no answer within 0\.05 s/);
  } finally {
    clearInterval(alive);
  }
  assert.equal(calls, 3);
});

test("the run's signal stops a GitHub read at once, without retrying", async () => {
  const ac = new AbortController();
  let calls = 0;
  const read = (s: AbortSignal) => new Promise<never>((_, reject) => (calls++, s.addEventListener('abort', () => reject(new Error('aborted')))));
  const p = retryTransient(ac.signal, read, { tries: 3, backoffMs: [0, 0], timeoutMs: 60_000 });
  ac.abort();
  await assert.rejects(p, /aborted/);
  assert.equal(calls, 1);
});

test('the waits between tries leave no listener on the run signal (a run with many retried reads does not pile them up)', async () => {
  const ac = new AbortController();
  for (let i = 0; i < 3; i++) assert.equal(await retryTransient(ac.signal, failing([502, 502]).read, fast), 'ok');
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
});
