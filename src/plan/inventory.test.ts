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
const other = buildImage({ seed: 'moved' });
const edge = (dst: string, t: string | null, d: string = img.digest): Edge => ({
  srcRegistry: registryName('src.local/staging'),
  srcImage: imageName('app'),
  dstRegistry: registryName(dst),
  dstImage: imageName('app'),
  digest: digest(d),
  tag: t === null ? null : tag(t),
});

async function client(opts: { tagListDigests?: boolean } = {}): Promise<MemoryRegistryClient> {
  const c = new MemoryRegistryClient({ autoCreateHosts: true, ...opts });
  await putImage(c.store('src.local'), 'staging/app', img, 'v1');
  await putImage(c.store('src.local'), 'staging/app', other, 'v9');
  return c;
}
/** A cosign signature of `d` in a.local/p/app (its `.sig` tag is what the list shows). */
const signIn = (c: MemoryRegistryClient, d: string) => putImage(c.store('a.local'), 'p/app', buildImage({ seed: `sig-${d}` }), `${d.replace(':', '-')}.sig`);
const ops = (c: MemoryRegistryClient) => c.history.map((h) => `${h.op} ${h.host} ${h.reference ?? ''}`.trim());

test('cold: one tag list per destination repository, one source GET per digest', async () => {
  const c = await client();
  const edges = ['a.local/p', 'b.local/p', 'c.local/p'].flatMap((d) => ['v1', 'v1.0', 'latest'].map((t) => edge(d, t)));
  const inv = await readInventory(c, edges, { logger: nullLogger });
  assert.deepEqual({ listTags: c.calls.listTags, headManifest: c.calls.headManifest, getManifest: c.calls.getManifest }, { listTags: 3, headManifest: 0, getManifest: 1 });
  assert.ok(classify(edges, inv).edges.every((p) => p.decision.kind === 'promote'));
  assert.equal(inv.repos.get('a.local/p/app')?.listed, true);
});

test('steady state without digests in the list: the list alone, every edge of a signed digest present by its listed tag', async () => {
  const c = await client();
  for (const t of ['v1', 'v2', 'v3']) await putImage(c.store('a.local'), 'p/app', img, t);
  await signIn(c, img.digest);
  const edges = ['v1', 'v2', 'v3'].map((t) => edge('a.local/p', t));
  const plan = classify(edges, await readInventory(c, edges, { logger: nullLogger }));
  assert.deepEqual(ops(c), ['listTags a.local']);
  assert.deepEqual(plan.edges.map((p) => [p.decision.kind, p.evidence]), Array(3).fill(['present', 'tag-listed']));
});

test('a listed tag of a digest nothing vouches for (no signature listed) is HEADed once, on the first mirror only', async () => {
  const c = await client();
  for (const h of ['a.local', 'b.local']) for (const t of ['v1', 'v2']) await putImage(c.store(h), 'p/app', img, t);
  const edges = ['a.local/p', 'b.local/p'].flatMap((d) => ['v1', 'v2'].map((t) => edge(d, t)));
  const plan = classify(edges, await readInventory(c, edges, { logger: nullLogger }));
  assert.deepEqual(ops(c).sort(), ['headManifest a.local v1', 'headManifest a.local v2', 'listTags a.local', 'listTags b.local']);
  assert.deepEqual(plan.edges.map((p) => [p.decision.kind, p.evidence]), [...Array(2).fill(['present', 'verified']), ...Array(2).fill(['present', 'tag-listed'])]);
});

test('a retag to an unsigned digest whose tag every mirror lists: the probe sees the move, every mirror is checked', async () => {
  const c = await client();
  for (const h of ['a.local', 'b.local']) {
    await putImage(c.store(h), 'p/app', img, 'v1');
    await putImage(c.store(h), 'p/app', img, 'stable');
  }
  await signIn(c, img.digest);
  // the manifests move `stable` to `other`, which no mirror holds: all its tags are listed, so nothing is written
  const edges = ['a.local/p', 'b.local/p'].flatMap((d) => [edge(d, 'v1'), edge(d, 'stable', other.digest)]);
  const plan = classify(edges, await readInventory(c, edges, { logger: nullLogger }));
  assert.deepEqual(ops(c).sort(), ['headManifest a.local stable', 'headManifest b.local stable', 'listTags a.local', 'listTags b.local']);
  assert.deepEqual(plan.edges.map((p) => p.decision.kind), ['present', 'tag-move', 'present', 'tag-move']);
});

test('--verify-existing HEADs every listed tag', async () => {
  const c = await client({ tagListDigests: true });
  for (const t of ['v1', 'v2']) await putImage(c.store('a.local'), 'p/app', img, t);
  const edges = ['v1', 'v2'].map((t) => edge('a.local/p', t));
  const plan = classify(edges, await readInventory(c, edges, { logger: nullLogger, verifyExisting: true }));
  assert.deepEqual(ops(c), ['listTags a.local', 'headManifest a.local v1', 'headManifest a.local v2']);
  assert.deepEqual(plan.edges.map((p) => p.evidence), ['verified', 'verified']);
});

test('a list with digests detects a tag move with no HEAD; tagless digests are answered by the list too', async () => {
  const c = await client({ tagListDigests: true });
  await putImage(c.store('a.local'), 'p/app', other, 'v1');
  await putImage(c.store('a.local'), 'p/app', img, 'v0');
  const edges = [edge('a.local/p', 'v1'), edge('a.local/p', 'v0'), edge('a.local/p', null, other.digest)];
  const plan = classify(edges, await readInventory(c, edges, { logger: nullLogger }));
  assert.deepEqual(ops(c), ['listTags a.local']);
  assert.deepEqual(plan.edges.map((p) => p.decision), [{ kind: 'tag-move', current: other.digest }, { kind: 'present' }, { kind: 'present' }]);
  assert.deepEqual(plan.edges.map((p) => p.evidence), [undefined, 'list-digest', 'list-digest']);
});

test('without digests in the list, a manifest-side tag move is caught when the digest is written (a new tag beside it)', async () => {
  const c = await client();
  await putImage(c.store('a.local'), 'p/app', other, 'v1'); // the manifests now say v1 → img, plus a new tag v1.1
  await putImage(c.store('a.local'), 'p/app', img, 'old');
  const third = buildImage({ seed: 'third' });
  await putImage(c.store('a.local'), 'p/app', third, 'keep');
  await signIn(c, third.digest);
  const edges = [edge('a.local/p', 'v1'), edge('a.local/p', 'v1.1'), edge('a.local/p', 'old'), edge('a.local/p', 'keep', third.digest)];
  const plan = classify(edges, await readInventory(c, edges, { logger: nullLogger }));
  // img is written (under v1.1), so its listed tags v1 and old are HEADed; 'keep' is not (nothing
  // of its digest is written). 'old' shows img present: v1.1 is a tag-only push (source read once,
  // as soon as the list shows v1.1 missing).
  assert.deepEqual(ops(c), ['listTags a.local', `getManifest src.local ${img.digest}`, 'headManifest a.local v1', 'headManifest a.local old']);
  assert.deepEqual(plan.edges.map((p) => p.decision), [{ kind: 'tag-move', current: other.digest }, { kind: 'promote', tagOnly: true }, { kind: 'present' }, { kind: 'present' }]);
  assert.deepEqual(plan.edges.map((p) => p.evidence), [undefined, undefined, 'verified', 'tag-listed']);
});

test('a tagless edge asks by digest; a missing digest is lost', async () => {
  const c = await client();
  await putImage(c.store('a.local'), 'p/app', img, 'keep');
  await putImage(c.store('b.local'), 'p/app', img);
  await signIn(c, img.digest);
  const missing = 'sha256:' + '0'.repeat(64);
  const edges = [edge('a.local/p', 'keep'), edge('b.local/p', null), edge('b.local/p', 'v3', missing)];
  const inv = await readInventory(c, edges, { logger: nullLogger });
  assert.deepEqual(classify(edges, inv).edges.map((p) => p.decision), [{ kind: 'present' }, { kind: 'present' }, { kind: 'lost' }]);
  assert.deepEqual(ops(c).sort(), ['getManifest src.local ' + missing, `headManifest b.local ${img.digest}`, 'listTags a.local', 'listTags b.local'].sort());
});

test('a tagless digest whose attachment the same repository lists is present with no HEAD; elsewhere, and with --verify-existing, it is asked', async () => {
  const c = await client();
  for (const h of ['a.local', 'b.local']) await putImage(c.store(h), 'p/app', img);
  await signIn(c, img.digest); // the .sig is on a.local only (canonical placement)
  const edges = [edge('a.local/p', null), edge('b.local/p', null)];
  const plan = classify(edges, await readInventory(c, edges, { logger: nullLogger }));
  assert.deepEqual(ops(c).sort(), [`headManifest b.local ${img.digest}`, 'listTags a.local', 'listTags b.local']);
  assert.deepEqual(plan.edges.map((p) => [p.decision.kind, p.evidence]), [['present', 'attachment-listed'], ['present', 'verified']]);

  const again = await client();
  for (const h of ['a.local', 'b.local']) await putImage(again.store(h), 'p/app', img);
  await signIn(again, img.digest);
  const checked = classify(edges, await readInventory(again, edges, { logger: nullLogger, verifyExisting: true }));
  assert.deepEqual(ops(again).filter((o) => o.startsWith('headManifest')).sort(), [`headManifest a.local ${img.digest}`, `headManifest b.local ${img.digest}`]);
  assert.deepEqual(checked.edges.map((p) => p.evidence), ['verified', 'verified']);
});

test("an attachment of another digest vouches for nothing: a tagless digest missing beside it is copied", async () => {
  const c = await client();
  await putImage(c.store('a.local'), 'p/app', other);
  await signIn(c, other.digest);
  const edges = [edge('a.local/p', null, img.digest)];
  const plan = classify(edges, await readInventory(c, edges, { logger: nullLogger }));
  assert.deepEqual(plan.edges.map((p) => p.decision), [{ kind: 'promote', tagOnly: false }]);
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

test('reads go per host: every host gets its own budget', async () => {
  let inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  let release: (() => void) | undefined;
  const gate = new Promise<void>((r) => (release = r));
  let started = 0;
  const hosts = Array.from({ length: 5 }, (_, i) => `m${i}.local`);
  const c = new MemoryRegistryClient({
    autoCreateHosts: true,
    intercept: async (call) => {
      if (call.op !== 'listTags') return;
      inFlight.set(call.host, (inFlight.get(call.host) ?? 0) + 1);
      peak.set(call.host, Math.max(peak.get(call.host) ?? 0, inFlight.get(call.host)!));
      if (++started === hosts.length * 2) release!();
      await gate;
      inFlight.set(call.host, inFlight.get(call.host)! - 1);
    },
  });
  await putImage(c.store('src.local'), 'staging/app', img, 'v1');
  // 4 repositories on each of 5 hosts, 2 reads per host at once: 10 lists wait together
  const edges = hosts.flatMap((h) => ['a', 'b', 'c', 'd'].map((r) => ({ ...edge(`${h}/${r}`, 'v1') })));
  await readInventory(c, edges, { logger: nullLogger, perHost: 2 });
  assert.deepEqual([...peak.values()], Array(hosts.length).fill(2));
  inFlight = new Map();
});

test('a source is read as soon as a destination list shows its tag missing, once per digest; a run with nothing to copy reads none', async () => {
  const c = await client();
  const order: string[] = [];
  const recording = Object.assign(Object.create(c) as MemoryRegistryClient, {
    listTags: (...a: Parameters<MemoryRegistryClient['listTags']>) => (order.push('list'), c.listTags(...a)),
    getManifest: (...a: Parameters<MemoryRegistryClient['getManifest']>) => (order.push('source read'), c.getManifest(...a)),
    headManifest: (...a: Parameters<MemoryRegistryClient['headManifest']>) => (order.push('head'), c.headManifest(...a)),
    ...(c.tagList ? { tagList: (...a: Parameters<NonNullable<MemoryRegistryClient['tagList']>>) => (order.push('list'), c.tagList!(...a)) } : {}),
  });
  // a.local lacks v1; b.local lists it (pointing elsewhere, unproven): its HEAD comes after the source read began
  await putImage(c.store('b.local'), 'p/app', other, 'v1');
  const inv = await readInventory(recording, [edge('a.local/p', 'v1'), edge('b.local/p', 'v1')], { logger: nullLogger });
  assert.deepEqual(order, ['list', 'list', 'source read', 'head']);
  assert.equal(inv.sourceManifests.size, 1);
  await putImage(c.store('a.local'), 'p/app', img, 'v1');
  await putImage(c.store('b.local'), 'p/app', img, 'v1.0');
  order.length = 0;
  await readInventory(recording, [edge('a.local/p', 'v1')], { logger: nullLogger });
  assert.deepEqual(order, ['list', 'head'], 'present (its listed tag resolved by HEAD): no source read');
});
