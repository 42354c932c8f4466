import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digestOf } from '../digest.js';
import { checkManifest, referrersTag } from './manifest.js';
import { digest } from '../../image/ref.js';

const oci = 'application/vnd.oci.image.manifest.v1+json';
const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: oci, config: {}, layers: [] }));
const d = digestOf(bytes);
const flipped = Buffer.from(bytes);
flipped[5] = flipped[5]! ^ 1;

test('checkManifest verifies bytes against the digest asked for, the header, and the media type', () => {
  const table: { name: string; bytes: Uint8Array; ref: string; type?: string; header?: string; ok: boolean; corrupt?: boolean }[] = [
    { name: 'by digest', bytes, ref: d, type: oci, ok: true },
    { name: 'by digest, flipped byte', bytes: flipped, ref: d, type: oci, ok: false, corrupt: true },
    { name: 'by tag, header agrees', bytes, ref: 'v1', type: oci, header: d, ok: true },
    { name: 'by tag, header disagrees', bytes: flipped, ref: 'v1', type: oci, header: d, ok: false, corrupt: true },
    { name: 'by tag, no header', bytes, ref: 'v1', type: oci, ok: true },
    { name: 'content type differs from mediaType', bytes, ref: d, type: 'application/vnd.oci.image.index.v1+json', ok: false, corrupt: false },
    { name: 'sha512 digest', bytes, ref: digestOf(bytes, 'sha512'), type: oci, ok: true },
  ];
  for (const c of table) {
    const r = checkManifest(c.bytes, c.ref, c.type, c.header);
    assert.equal(r.ok, c.ok, c.name);
    if (!r.ok && c.corrupt !== undefined) assert.equal(r.corrupt, c.corrupt, c.name);
    if (r.ok) assert.equal(r.mediaType, oci, c.name);
  }
});

test('referrers fallback tag is <alg>-<hex>', () => {
  const hex = 'a'.repeat(64);
  assert.equal(referrersTag(digest(`sha256:${hex}`)), `sha256-${hex}`);
  assert.equal(referrersTag(digest(`sha512:${'b'.repeat(128)}`)), `sha512-${'b'.repeat(64)}`);
});
