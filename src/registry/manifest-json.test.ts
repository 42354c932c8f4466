import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KpromoError } from '../errors.js';
import { indexEntries, manifestLayers } from './manifest-json.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('indexEntries reads the manifests list, and nothing from other manifests', () => {
  const d = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 3 };
  const cases: { doc: string; want: unknown[] }[] = [
    { doc: JSON.stringify({ schemaVersion: 2, manifests: [d] }), want: [d] },
    { doc: JSON.stringify({ schemaVersion: 2, manifests: [] }), want: [] },
    { doc: JSON.stringify({ schemaVersion: 2, config: d, layers: [d] }), want: [] },
    { doc: JSON.stringify({ manifests: 'nope' }), want: [] },
    { doc: 'null', want: [] },
  ];
  for (const c of cases) assert.deepEqual(indexEntries(enc(c.doc)), c.want, c.doc);
});

test('indexEntries refuses bytes that are not JSON, with a code', () => {
  assert.throws(() => indexEntries(enc('{not json')), (e) => e instanceof KpromoError && e.code === 'INVALID_MANIFEST');
});

test('manifestLayers reads the layers of an image manifest, optionally of one media type', () => {
  const a = { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1 };
  const b = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'b'.repeat(64)}`, size: 2 };
  const doc = enc(JSON.stringify({ schemaVersion: 2, config: b, layers: [a, b] }));
  assert.deepEqual(manifestLayers(doc), [a, b]);
  assert.deepEqual(manifestLayers(doc, a.mediaType), [a]);
  assert.deepEqual(manifestLayers(enc(JSON.stringify({ manifests: [a] }))), []);
  assert.throws(() => manifestLayers(enc('[')), (e) => e instanceof KpromoError && e.code === 'INVALID_MANIFEST');
});
