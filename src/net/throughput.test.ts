import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { FakeClock } from './clock.js';
import { DEFAULT_THROUGHPUT_FLOOR, SlowBodyError, throughputGuard, throughputTransport } from './throughput.js';
import type { HttpResponse, Transport } from './transport.js';

const floor = { minBytesPerSecond: 1024, windowMs: 10_000 };

test('a body trickling one byte every 2 s fails by the throughput floor', async () => {
  const clock = new FakeClock();
  const src = new PassThrough();
  const out = throughputGuard(src, floor, clock);
  const read = (async () => {
    for await (const _ of out) void _;
  })();
  const trickle = (async () => {
    for (let i = 0; i < 100 && !src.destroyed; i++) {
      src.write(Buffer.from('x'));
      await clock.sleep(2000);
    }
    if (!src.destroyed) src.end();
  })();
  const t0 = clock.now();
  await assert.rejects(read, (err: unknown) => err instanceof SlowBodyError && (err as { code?: string }).code === 'ETIMEDOUT');
  assert.ok(clock.now() - t0 <= 2 * floor.windowMs, 'it fails within the window');
  assert.ok(src.destroyed);
  await trickle;
});

test('a fast body passes; a reader that is itself slow does not count against the body', async () => {
  const clock = new FakeClock();
  const fast = new PassThrough();
  const out = throughputGuard(fast, floor, clock);
  const chunks: Buffer[] = [];
  const read = (async () => {
    for await (const c of out) chunks.push(c as Buffer);
  })();
  for (let i = 0; i < 20; i++) {
    fast.write(Buffer.alloc(64 * 1024));
    await clock.sleep(1000);
  }
  fast.end();
  await read;
  assert.equal(Buffer.concat(chunks).length, 20 * 64 * 1024);

  // the source is ready with everything; the reader takes a minute between reads
  const full = new PassThrough();
  const guarded = throughputGuard(full, floor, clock);
  full.end(Buffer.alloc(256 * 1024));
  let got = 0;
  for await (const c of guarded) {
    got += (c as Buffer).length;
    await clock.sleep(60_000);
  }
  assert.equal(got, 256 * 1024);
});

test('only bodies that may carry bytes are watched: a HEAD or an answer of Content-Length 0 comes back as it is', async () => {
  const answers: HttpResponse[] = [];
  const base: Transport = {
    close: async () => {},
    async request(req) {
      const res = { status: 200, headers: req.method === 'PUT' ? { 'content-length': '0' } : { 'content-length': '3' }, body: new PassThrough() };
      answers.push(res);
      return res;
    },
  };
  const t = throughputTransport(base, DEFAULT_THROUGHPUT_FLOOR, new FakeClock());
  const url = new URL('http://127.0.0.1:9/v2/');
  const call = (method: 'GET' | 'HEAD' | 'PUT') => t.request({ method, url, headers: {}, kind: 'other' });
  assert.equal((await call('HEAD')).body, answers[0]!.body);
  assert.equal((await call('PUT')).body, answers[1]!.body);
  const got = await call('GET');
  assert.notEqual(got.body, answers[2]!.body, 'a body with bytes is watched');
  got.body.destroy();
});
