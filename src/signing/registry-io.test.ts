import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest } from '../image/ref.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { MemoryStore } from '../registry/store/memory.js';
import { buildImage, putImage } from '../registry/memory/fixtures.js';
import { copyBlobs } from './registry-io.js';

test('copyBlobs: one mount per blob decides (present: nothing more; absent: its session carries the upload), no HEAD', async () => {
  const stores = { 'src.local': new MemoryStore(), 'dst.local': new MemoryStore() };
  const client = new MemoryRegistryClient({ hosts: stores });
  const img = buildImage({ seed: 'copy-blobs' });
  await putImage(stores['src.local'], 's/app', img, 'v1');
  const blobs = [img.config, ...img.layers].map((b) => digest(b.digest));
  const src = { host: 'src.local', repository: 's/app' };
  const dst = { host: 'dst.local', repository: 'p/app' };

  await copyBlobs(client, src, dst, blobs);
  const first = client.history.filter((c) => c.host === 'dst.local').map((c) => c.op);
  assert.deepEqual(first, blobs.flatMap(() => ['mountBlob', 'uploadBlob']));
  for (const d of blobs) assert.ok(await client.headBlob(dst, d), `${d} at the destination`);

  const before = client.history.length;
  await copyBlobs(client, src, dst, blobs);
  const again = client.history.slice(before).filter((c) => c.host === 'dst.local').map((c) => c.op);
  assert.deepEqual(again, blobs.map(() => 'mountBlob'), 'present blobs cost the mount alone');
  assert.equal(client.history.slice(before).filter((c) => c.host === 'src.local').length, 0, 'nothing read from the source');
});
