import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, repoOf, registryName, imageName } from '../image/ref.js';
import { nullLogger } from '../log.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { BlobKnowledge } from './knowledge.js';
import { uploadBuffered, uploadStreamed, type Upload } from './upload.js';

const missing = digest('sha256:' + 'a'.repeat(64));
const source = repoOf(registryName('src.local/staging'), imageName('app'));
const dst = (h: string) => repoOf(registryName(`${h}/prod`), imageName('app'));

/** Targets holding the upload sessions a mount's 202 opened, and a settle that records failures. */
async function setup() {
  const client = new MemoryRegistryClient({ autoCreateHosts: true });
  const targets: Upload[] = [];
  for (const h of ['a.local', 'b.local']) {
    const r = await client.mountBlob(dst(h), missing, 'prod/elsewhere');
    assert.equal(r.mounted, false);
    targets.push({ repo: dst(h), ...(r.mounted ? {} : { session: r.session }) });
  }
  const failed: string[] = [];
  const settle = { ok: () => assert.fail('nothing can be placed'), fail: (repo: { host: string }) => void failed.push(repo.host) };
  const ctx = { client, known: new BlobKnowledge(), logger: nullLogger };
  return { client, targets, failed, settle, ctx };
}

test('a streamed blob whose source cannot be read fails its targets and cancels the sessions they held', async () => {
  const { client, targets, failed, settle, ctx } = await setup();
  assert.equal(client.openUploads, 2);
  await uploadStreamed(ctx, { blob: { digest: missing, size: 4 << 20 }, source }, targets, settle);
  assert.deepEqual(failed.sort(), ['a.local', 'b.local']);
  assert.equal(client.openUploads, 0);
});

test('a buffered blob whose source cannot be read fails its targets and cancels the sessions they held', async () => {
  const { client, targets, failed, settle, ctx } = await setup();
  await uploadBuffered(ctx, { blob: { digest: missing, size: 4 }, source }, targets, settle, () => Promise.reject(new Error('source gone')));
  assert.deepEqual(failed.sort(), ['a.local', 'b.local']);
  assert.equal(client.openUploads, 0);
});
