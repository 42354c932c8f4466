import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { digestOf, readCapped, TooLargeError, verifyStream } from './digest.js';

const data = Buffer.from('hello blob content');

test('verifyStream passes matching bytes through (sha256 and sha512)', async () => {
  assert.equal(await text(verifyStream(Readable.from([data.subarray(0, 5), data.subarray(5)]), digestOf(data), data.length)), data.toString());
  assert.equal(await text(verifyStream(Readable.from([data]), digestOf(data, 'sha512'))), data.toString());
});

test('verifyStream errors on a flipped byte, a short body, or a long body', async () => {
  const flipped = Buffer.from(data);
  flipped[0] = flipped[0]! ^ 1;
  const cases: [string, Buffer, number | undefined, RegExp][] = [
    ['flipped', flipped, data.length, /does not match digest/],
    ['short', data.subarray(0, 4), data.length, /4 bytes, descriptor says/],
    ['long', Buffer.concat([data, Buffer.from('x')]), data.length, /longer than its descriptor/],
    ['no size, short', data.subarray(0, 4), undefined, /does not match digest/],
  ];
  for (const [name, body, size, re] of cases) {
    await assert.rejects(text(verifyStream(Readable.from([body]), digestOf(data), size)), re, name);
  }
});

test('verifyStream propagates source errors through mapError', async () => {
  const src = new Readable({ read() {} });
  const v = verifyStream(src, digestOf(data), undefined, (e) => new Error(`mapped: ${e.message}`));
  src.push(data.subarray(0, 3));
  setImmediate(() => src.destroy(new Error('socket hang up')));
  await assert.rejects(text(v), /mapped: socket hang up/);
});

test('readCapped refuses more than the cap', async () => {
  assert.equal((await readCapped(Readable.from([data]), data.length)).length, data.length);
  await assert.rejects(readCapped(Readable.from([data]), data.length - 1), TooLargeError);
});
