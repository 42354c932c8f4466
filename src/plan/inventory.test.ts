import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag } from '../image/ref.js';
import { nullLogger } from '../log.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, putImage } from '../registry/memory/fixtures.js';
import { classify } from './classify.js';
import type { Edge } from './edge.js';
import { HEAD_ONLY_MAX_TAGS, readInventory } from './inventory.js';

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

test('cold: HEAD-only reads where a repository names few tags, a tag list where it names many', async () => {
  const cases = [
    { tags: ['v1', 'v1.0'], want: { listTags: 0, headManifest: 6, getManifest: 1 } },
    { tags: ['v1', 'v1.0', 'latest'], want: { listTags: 3, headManifest: 0, getManifest: 1 } },
  ];
  for (const { tags, want } of cases) {
    const c = await client();
    const edges = ['a.local/p', 'b.local/p', 'c.local/p'].flatMap((d) => tags.map((t) => edge(d, t)));
    const inv = await readInventory(c, edges, { logger: nullLogger });
    const got = { listTags: c.calls.listTags, headManifest: c.calls.headManifest, getManifest: c.calls.getManifest };
    assert.deepEqual(got, want, `${tags.length} tags`);
    assert.ok(classify(edges, inv).edges.every((p) => p.decision.kind === 'promote'));
    assert.equal(inv.repos.get('a.local/p/app')?.listed, tags.length > HEAD_ONLY_MAX_TAGS);
  }
});

test('rerun: one HEAD per named tag (plus one list past the threshold); the source is not read', async () => {
  const cases = [
    { tags: ['v1'], want: [['headManifest', 'a.local']] },
    { tags: ['v1', 'v2', 'v3'], want: [['listTags', 'a.local'], ['headManifest', 'a.local'], ['headManifest', 'a.local'], ['headManifest', 'a.local']] },
  ];
  for (const { tags, want } of cases) {
    const c = await client();
    for (const t of tags) await putImage(c.store('a.local'), 'p/app', img, t);
    const edges = tags.map((t) => edge('a.local/p', t));
    const inv = await readInventory(c, edges, { logger: nullLogger });
    assert.deepEqual(c.history.map((h) => [h.op, h.host]), want);
    assert.ok(classify(edges, inv).edges.every((p) => p.decision.kind === 'present'));
  }
});

test('a tag move is detected exactly in both read modes', async () => {
  const other = buildImage({ seed: 'moved' });
  for (const tags of [['v1'], ['v1', 'v2', 'v3']]) {
    const c = await client();
    await putImage(c.store('a.local'), 'p/app', other, 'v1');
    const edges = tags.map((t) => edge('a.local/p', t));
    const plan = classify(edges, await readInventory(c, edges, { logger: nullLogger }));
    assert.deepEqual(plan.edges[0]!.decision, { kind: 'tag-move', current: other.digest });
    assert.ok(plan.edges.slice(1).every((p) => p.decision.kind === 'promote'));
  }
});

test('a tagless edge asks by digest; a new tag asks by digest only in a repository with known tags; a missing digest is lost', async () => {
  const c = await client();
  const other = buildImage({ seed: 'other' });
  await putImage(c.store('a.local'), 'p/app', other, 'old');
  await putImage(c.store('a.local'), 'p/app', img, 'keep');
  const missing = 'sha256:' + '0'.repeat(64);
  // HEAD-only (2 named tags): 'keep' is found, so the repository has tags and 'v2' asks by digest
  const edges = [edge('a.local/p', 'keep'), edge('a.local/p', null), edge('a.local/p', 'v2'), edge('b.local/p', 'v3', missing)];
  const inv = await readInventory(c, edges, { logger: nullLogger });
  assert.deepEqual(
    classify(edges, inv).edges.map((p) => p.decision),
    [{ kind: 'present' }, { kind: 'present' }, { kind: 'promote', tagOnly: true }, { kind: 'lost' }],
  );
  // keep (which also shows img present: no digest HEAD), v2 (404), v3 (404, no known tags: no digest HEAD)
  assert.equal(c.calls.headManifest, 3);
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
