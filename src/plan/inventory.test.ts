import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag } from '../image/ref.js';
import { nullLogger } from '../log.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, putImage } from '../registry/memory/fixtures.js';
import { classify } from './classify.js';
import type { Edge } from './edge.js';
import { readInventory } from './inventory.js';

const img = buildImage({ seed: 'inv' });
const edge = (dst: string, t: string | null, d: string = img.digest): Edge => ({
  srcRegistry: registryName('src.local/staging'),
  srcImage: imageName('app'),
  dstRegistry: registryName(dst),
  dstImage: imageName('app'),
  digest: digest(d),
  tag: t === null ? null : tag(t),
});

async function client(): Promise<MemoryRegistryClient> {
  const c = new MemoryRegistryClient({ autoCreateHosts: true });
  await putImage(c.store('src.local'), 'staging/app', img, 'v1');
  return c;
}

test('cold: one tag list per destination, one source GET per digest, no HEAD into new repositories', async () => {
  const c = await client();
  const edges = ['a.local/p', 'b.local/p', 'c.local/p'].flatMap((d) => [edge(d, 'v1'), edge(d, 'v1.0')]);
  const inv = await readInventory(c, edges, { logger: nullLogger });
  assert.deepEqual(
    { listTags: c.calls.listTags, headManifest: c.calls.headManifest, getManifest: c.calls.getManifest },
    { listTags: 3, headManifest: 0, getManifest: 1 },
  );
  assert.ok(classify(edges, inv).edges.every((p) => p.decision.kind === 'promote'));
});

test('rerun: tag HEADs only, the source is not read', async () => {
  const c = await client();
  await putImage(c.store('a.local'), 'p/app', img, 'v1');
  const edges = [edge('a.local/p', 'v1')];
  const inv = await readInventory(c, edges, { logger: nullLogger });
  assert.deepEqual(c.history.map((h) => [h.op, h.host]), [['listTags', 'a.local'], ['headManifest', 'a.local']]);
  assert.deepEqual(classify(edges, inv).edges[0]!.decision, { kind: 'present' });
});

test('a tagless edge or a new tag in a repository with tags asks by digest; a missing digest is lost', async () => {
  const c = await client();
  const other = buildImage({ seed: 'other' });
  await putImage(c.store('a.local'), 'p/app', other, 'old');
  const missing = 'sha256:' + '0'.repeat(64);
  const edges = [edge('a.local/p', null), edge('a.local/p', 'v2'), edge('a.local/p', 'v3', missing)];
  const inv = await readInventory(c, edges, { logger: nullLogger });
  assert.deepEqual(
    classify(edges, inv).edges.map((p) => p.decision.kind),
    ['promote', 'promote', 'lost'],
  );
  assert.equal(c.calls.headManifest, 2, 'one HEAD per (repository, digest)');
});

test('an unreachable destination makes its edges unreadable, others are planned', async () => {
  const c = new MemoryRegistryClient({
    autoCreateHosts: true,
    intercept: (call) => {
      if (call.host === 'down.local') throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    },
  });
  await putImage(c.store('src.local'), 'staging/app', img, 'v1');
  const edges = [edge('down.local/p', 'v1'), edge('up.local/p', 'v1')];
  const plan = classify(edges, await readInventory(c, edges, { logger: nullLogger }));
  assert.equal(plan.edges[0]!.decision.kind, 'unreadable');
  assert.match((plan.edges[0]!.decision as { error: string }).error, /ECONNREFUSED/);
  assert.deepEqual(plan.edges[1]!.decision, { kind: 'promote', tagOnly: false });
});
