import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { countingStream } from './counting-stream.js';

/** A source of `n` chunks of `size` bytes that never ends on its own when `open`. */
function source(n: number, size: number, open = false): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < n) this.push(Buffer.alloc(size, i++ % 256));
      else if (!open) this.push(null);
    },
  });
}

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('passes every byte through in order and counts them, under backpressure', async () => {
  let counted = 0;
  const src = source(100, 4096); // 400 KiB, far above both streams' buffers
  const out = countingStream(src, (n) => (counted += n));
  // let the buffers fill before reading, so the source must have been paused
  await new Promise((r) => setImmediate(r));
  const got = await readAll(out);
  assert.equal(got.length, 100 * 4096);
  assert.equal(counted, 100 * 4096);
  for (let i = 0; i < 100; i++) assert.equal(got[i * 4096], i % 256);
});

test('an error of the source destroys the result with the same error', async () => {
  const src = source(1, 10, true);
  const out = countingStream(src, () => {});
  const boom = new Error('boom');
  src.destroy(boom);
  await assert.rejects(readAll(out), (err) => err === boom);
});

test('a source that closes without ending fails the result with a premature close', async () => {
  const src = source(1, 10, true);
  const out = countingStream(src, () => {});
  src.destroy();
  await assert.rejects(readAll(out), (err: NodeJS.ErrnoException) => err.code === 'ERR_STREAM_PREMATURE_CLOSE');
});

test('destroying the result with an error destroys the source with it', async () => {
  const src = source(1, 10, true);
  const out = countingStream(src, () => {});
  out.on('error', () => {});
  const why = new Error('digest mismatch');
  const errored = once(src, 'error');
  out.destroy(why);
  assert.equal((await errored)[0], why);
  assert.ok(src.destroyed);
});

test('letting go of the result dumps an undici-like source and destroys any other', async () => {
  const plain = source(1, 10, true);
  countingStream(plain, () => {}).destroy();
  await once(plain, 'close');
  assert.ok(plain.destroyed);

  const dumpable = Object.assign(source(1, 10, true), {
    dumped: [] as unknown[],
    dump(opts?: unknown) {
      this.dumped.push(opts);
      return Promise.resolve(null);
    },
  });
  countingStream(dumpable, () => {}).destroy();
  assert.deepEqual(dumpable.dumped, [{ limit: 64 * 1024 }]);
  assert.equal(dumpable.destroyed, false);
  dumpable.destroy();
});

test('letting go after the source ended touches nothing', async () => {
  const src = Object.assign(source(1, 10), {
    dumps: 0,
    dump() {
      this.dumps++;
      return Promise.resolve(null);
    },
  });
  const out = countingStream(src, () => {});
  await once(src, 'end');
  out.destroy();
  await once(out, 'close');
  assert.equal(src.dumps, 0);
});
