import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { fanOut, type Sink } from './fanout.js';

const CHUNK = 64 * 1024;
const CHUNKS = 40; // 2.5 MiB, well above every buffer

/** A source that counts how many chunks were pulled from it. */
function source(): { stream: Readable; pulled: () => number } {
  let n = 0;
  const stream = new Readable({
    read() {
      if (n === CHUNKS) return void this.push(null);
      this.push(Buffer.alloc(CHUNK, n++ % 256));
    },
  });
  return { stream, pulled: () => n };
}

const sha = async (body: Readable): Promise<string> => {
  const h = createHash('sha256');
  for await (const c of body) h.update(c);
  return h.digest('hex');
};

test('fanOut delivers the same bytes to every sink from one read', async () => {
  const want = createHash('sha256');
  for (let i = 0; i < CHUNKS; i++) want.update(Buffer.alloc(CHUNK, i % 256));
  const got: string[] = [];
  const sink: Sink = async (b) => void got.push(await sha(b));
  const src = source();
  const res = await fanOut(src.stream, [sink, sink, sink]);
  assert.deepEqual(res.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled']);
  assert.deepEqual(got, Array(3).fill(want.digest('hex')));
  assert.equal(src.pulled(), CHUNKS);
});

test('a failing sink is detached and the others complete', async () => {
  const good: string[] = [];
  const ok: Sink = async (b) => void good.push(await sha(b));
  const failsEarly: Sink = async () => {
    throw new Error('destination down');
  };
  const failsMidway: Sink = async (b) => {
    let seen = 0;
    for await (const c of b) {
      seen += (c as Buffer).length;
      if (seen > 5 * CHUNK) throw new Error('connection reset');
    }
  };
  const res = await fanOut(source().stream, [ok, failsEarly, failsMidway, ok]);
  assert.deepEqual(res.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
  assert.equal(good.length, 2);
  assert.equal(good[0], good[1]);
});

test('a sink that never reads does not let the source run ahead (backpressure)', async () => {
  const src = source();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const stalled: Sink = async (b) => {
    await gate;
    await sha(b);
  };
  const done = fanOut(src.stream, [stalled, async (b) => void (await sha(b))]);
  // let the event loop run until the pump blocks on the stalled sink
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  assert.ok(src.pulled() < CHUNKS / 2, `pulled ${src.pulled()} of ${CHUNKS} chunks while a sink was stalled`);
  release();
  const res = await done;
  assert.deepEqual(res.map((r) => r.status), ['fulfilled', 'fulfilled']);
});

test('a corrupt source fails every sink', async () => {
  const bad = new Readable({
    read() {
      this.destroy(new Error('digest mismatch'));
    },
  });
  const res = await fanOut(bad, [async (b) => void (await sha(b)), async (b) => void (await sha(b))]);
  assert.deepEqual(res.map((r) => r.status), ['rejected', 'rejected']);
});
