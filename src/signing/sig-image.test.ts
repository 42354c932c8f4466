import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { digest } from '../image/ref.js';
import { buildSigImage, cosignAnnotations, CosignAnnotations, parseRekorAnnotation, sigLayers, sigTag, SIMPLE_SIGNING_MEDIA_TYPE } from './sig-image.js';

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('sigTag is sha256-<hex>.sig', () => {
  assert.equal(sigTag(digest(`sha256:${'0f'.repeat(32)}`)), `sha256-${'0f'.repeat(32)}.sig`);
});

test('a .sig image: config diff_ids are the payload digests, one simple-signing layer each, blobs present', () => {
  const p1 = new TextEncoder().encode('{"a":1}');
  const p2 = new TextEncoder().encode('{"b":2}');
  const img = buildSigImage([
    { payload: p1, annotations: { [CosignAnnotations.signature]: 'c2ln' } },
    { payload: p2, annotations: { [CosignAnnotations.signature]: 'c2lnMg==' } },
  ]);
  const m = JSON.parse(new TextDecoder().decode(img.manifest.bytes));
  assert.equal(img.manifest.digest, sha(img.manifest.bytes));
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  const config = img.blobs.find((b) => b.digest === m.config.digest)!;
  assert.deepEqual(JSON.parse(new TextDecoder().decode(config.bytes)).rootfs, { type: 'layers', diff_ids: [sha(p1), sha(p2)] });
  assert.deepEqual(m.layers.map((l: { mediaType: string }) => l.mediaType), [SIMPLE_SIGNING_MEDIA_TYPE, SIMPLE_SIGNING_MEDIA_TYPE]);
  assert.equal(m.layers[1].annotations[CosignAnnotations.signature], 'c2lnMg==');
  for (const l of m.layers) assert.ok(img.blobs.some((b) => b.digest === l.digest && b.bytes.byteLength === l.size));
  assert.equal(sigLayers(img.manifest.bytes).length, 2);
});

test('cosign annotations carry certificate, chain, Rekor bundle and timestamp; the Rekor bundle parses back', () => {
  const rekor = { signedEntryTimestamp: 'U0VU', body: 'Ym9keQ==', integratedTime: 1700000000, logIndex: 42, logId: 'ab'.repeat(32) };
  const a = cosignAnnotations({
    signature: new Uint8Array([1, 2, 3]),
    key: { kind: 'certificate', certificatePem: 'LEAF', chainPem: ['INT', 'ROOT'] },
    rekor,
    rfc3161Timestamps: ['VFNB'],
    bundle: {} as never,
  });
  assert.equal(a[CosignAnnotations.signature], 'AQID');
  assert.equal(a[CosignAnnotations.certificate], 'LEAF');
  assert.equal(a[CosignAnnotations.chain], 'INTROOT');
  assert.deepEqual(JSON.parse(a[CosignAnnotations.bundle]!), {
    SignedEntryTimestamp: 'U0VU',
    Payload: { body: 'Ym9keQ==', integratedTime: 1700000000, logIndex: 42, logID: 'ab'.repeat(32) },
  });
  assert.deepEqual(parseRekorAnnotation(a[CosignAnnotations.bundle]), rekor);
  assert.deepEqual(JSON.parse(a[CosignAnnotations.rfc3161]!), { SignedRFC3161Timestamp: 'VFNB' });
});

test('key signatures carry only the signature annotation', () => {
  const a = cosignAnnotations({ signature: new Uint8Array([9]), key: { kind: 'publicKey', publicKeyPem: 'P' }, rfc3161Timestamps: [], bundle: {} as never });
  assert.deepEqual(Object.keys(a), [CosignAnnotations.signature]);
});

test('a certificate without a known chain writes no chain annotation', () => {
  const a = cosignAnnotations({ signature: new Uint8Array([1]), key: { kind: 'certificate', certificatePem: 'LEAF', chainPem: [] }, rfc3161Timestamps: [], bundle: {} as never });
  assert.deepEqual(Object.keys(a).sort(), [CosignAnnotations.signature, CosignAnnotations.certificate].sort());
});
