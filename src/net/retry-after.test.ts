import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuota, parseRetryAfter } from './retry-after.js';

test('Retry-After: seconds, HTTP date, junk', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const table: Array<[string | undefined, number | undefined]> = [
    [undefined, undefined],
    ['0', 0],
    ['7', 7000],
    [' 2 ', 2000],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0], // in the past: no wait
    ['-1', undefined],
    ['1.5', undefined],
    ['soon', undefined],
  ];
  for (const [v, want] of table) assert.equal(parseRetryAfter(v, now), want, String(v));
});

test('quota headers: N;w=S', () => {
  assert.deepEqual(parseQuota('100;w=21600'), { limit: 100, windowSeconds: 21600 });
  assert.deepEqual(parseQuota('600; w=60, 10;w=1'), { limit: 600, windowSeconds: 60 });
  assert.equal(parseQuota('100'), undefined);
  assert.equal(parseQuota(undefined), undefined);
  assert.equal(parseQuota('0;w=60'), undefined);
});
