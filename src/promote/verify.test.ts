import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag, type Digest } from '../image/ref.js';
import { edgeKey, type Edge } from '../plan/edge.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, putImage } from '../registry/memory/fixtures.js';
import { MemoryStore } from '../registry/store/memory.js';
import { verifyEdges } from './verify.js';

const edge = (d: Digest, t: string | null): Edge => ({
  srcRegistry: registryName('s.example/staging'),
  srcImage: imageName('app'),
  dstRegistry: registryName('d.example/prod'),
  dstImage: imageName('app'),
  digest: d,
  tag: t === null ? null : tag(t),
});

test('verifyEdges: a tag that is missing, points elsewhere or cannot be read is a problem; a present one is not', async () => {
  const store = new MemoryStore();
  const a = await putImage(store, 'prod/app', buildImage({ seed: 'verify-a' }), 'ok');
  const b = await putImage(store, 'prod/app', buildImage({ seed: 'verify-b' }), 'moved');
  const absent = digest(`sha256:${'e'.repeat(64)}`);
  const client = new MemoryRegistryClient({
    hosts: { 'd.example': store },
    intercept: (c) => {
      if (c.op === 'headManifest' && c.reference === 'broken') throw new Error('connection reset');
    },
  });
  const A = a.digest as Digest;
  const edges = [edge(A, 'ok'), edge(A, null), edge(A, 'moved'), edge(A, 'gone'), edge(absent, null), edge(A, 'broken')];
  const problems = await verifyEdges(client, edges, {});
  assert.deepEqual(Object.fromEntries(problems), {
    [edgeKey(edges[2]!)]: `verification: moved points at ${b.digest}, expected ${A}`,
    [edgeKey(edges[3]!)]: 'verification: gone is missing after the copy',
    [edgeKey(edges[4]!)]: `verification: ${absent} is missing after the copy`,
    [edgeKey(edges[5]!)]: 'verification: connection reset',
  });
  assert.equal(client.calls.headManifest, edges.length, 'one HEAD per edge');
});
