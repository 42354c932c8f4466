/**
 * Replicate placement, two indexes that share a child and a canonical destination but not their
 * other mirrors: the child is signed on every mirror either index landed on, in one run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '../log.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, buildIndex, putIndex } from '../registry/memory/fixtures.js';
import { MemoryStore } from '../registry/store/memory.js';
import { sigTag } from '../signing/sig-image.js';
import { runPromotion } from './promoter.js';
import { memoryTrust } from './phases/memory-trust.js';

test('replicate: a child shared by two indexes is signed on each index\'s mirrors, not only the first one\'s', async () => {
  const stores = { 's.local': new MemoryStore(), 'a.local': new MemoryStore(), 'b.local': new MemoryStore(), 'c.local': new MemoryStore() };
  const client = new MemoryRegistryClient({ hosts: stores });
  const shared = buildImage({ seed: 'shared-child' });
  const i1 = buildIndex([shared, buildImage({ seed: 'only-1' })]);
  const i2 = buildIndex([shared, buildImage({ seed: 'only-2' })]);
  await putIndex(stores['s.local'], 'st/app', i1, 'v1');
  await putIndex(stores['s.local'], 'st/app', i2, 'v2');
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-shared-child-'));
  try {
    for (const [project, mirror, index, tag] of [['one', 'b.local/p', i1, 'v1'], ['two', 'c.local/p', i2, 'v2']] as const) {
      await mkdir(join(dir, 'manifests', project), { recursive: true });
      await mkdir(join(dir, 'images', project), { recursive: true });
      await writeFile(join(dir, 'manifests', project, 'promoter-manifest.yaml'), `registries:\n- name: s.local/st\n  src: true\n- name: a.local/p\n- name: ${mirror}\n`);
      await writeFile(join(dir, 'images', project, 'images.yaml'), `- name: app\n  dmap:\n    "${index.digest}": ["${tag}"]\n`);
    }
    const trust = memoryTrust({ placement: 'replicate' });
    const r = await runPromotion({ manifests: { thinManifestDir: dir }, confirm: true, parseOnly: false, copyConcurrency: 1 }, { registry: client, logger: new MemoryLogger() }, { trust });
    assert.equal(r.failure, undefined);
    for (const host of ['a.local', 'b.local', 'c.local']) {
      const tags = await client.listTags({ host, repository: 'p/app' });
      assert.ok(tags.includes(sigTag(shared.digest)), `the shared child is signed on ${host}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
