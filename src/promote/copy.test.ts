import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag } from '../image/ref.js';
import { nullLogger } from '../log.js';
import { classify } from '../plan/classify.js';
import { edgeKey, type Edge } from '../plan/edge.js';
import { readInventory } from '../plan/inventory.js';
import { MemoryRegistryClient, type MemoryCall } from '../registry/memory/client.js';
import { buildImage, buildMultiPlatform, putImage, putIndex, type ImageData, type IndexData } from '../registry/memory/fixtures.js';
import { RegistryError } from '../registry/errors.js';
import { copyPlan } from './copy.js';

const SRC = 'staging.local';

function edges(img: { digest: string }, dsts: string[], tags: (string | null)[], name = 'app'): Edge[] {
  return dsts.flatMap((d) =>
    tags.map((t) => ({
      srcRegistry: registryName(`${SRC}/staging`),
      srcImage: imageName(name),
      dstRegistry: registryName(d),
      dstImage: imageName(name),
      digest: digest(img.digest),
      tag: t === null ? null : tag(t),
    })),
  );
}

/** Plans and copies like the pipeline does; returns the outcomes and the calls made by the copy alone. */
async function promote(client: MemoryRegistryClient, es: Edge[]) {
  const inv = await readInventory(client, es, { logger: nullLogger });
  const plan = classify(es, inv);
  const before = client.history.length;
  const out = await copyPlan(client, plan, inv, { logger: nullLogger });
  return { out, plan, calls: client.history.slice(before) };
}

const blobsOf = (i: ImageData | IndexData): string[] =>
  [...new Set(('manifests' in i ? i.manifests : [i]).flatMap((c) => [c.config, ...c.layers].map((b) => b.digest)))];

async function seeded(index: IndexData | ImageData, hosts: string[] = []) {
  const client = new MemoryRegistryClient({ autoCreateHosts: true });
  if ('manifests' in index) await putIndex(client.store(SRC), 'staging/app', index, 'v1');
  else await putImage(client.store(SRC), 'staging/app', index, 'v1');
  for (const h of hosts) client.store(h);
  return client;
}

test('each source blob is read once for all destinations, and every destination gets the image', async () => {
  const idx = buildMultiPlatform({ seed: 'fan', layerSize: 2 * 1024 * 1024 }); // layers above the in-memory threshold: streamed
  const client = await seeded(idx);
  const { out, calls } = await promote(client, edges(idx, ['m1.local/prod', 'm2.local/prod', 'm3.local/prod'], ['v1']));
  assert.deepEqual([...out.values()], [{ ok: true, confirmed: true }, { ok: true, confirmed: true }, { ok: true, confirmed: true }]);
  const gets = calls.filter((c) => c.op === 'getBlob').map((c) => c.reference);
  assert.deepEqual(gets.sort(), blobsOf(idx).sort(), 'one GET per distinct blob');
  for (const h of ['m1.local', 'm2.local', 'm3.local']) {
    assert.equal((await client.headManifest({ host: h, repository: 'prod/app' }, 'v1'))?.digest, idx.digest);
    for (const b of blobsOf(idx)) assert.ok(await client.headBlob({ host: h, repository: 'prod/app' }, digest(b)), `${h} has ${b}`);
  }
});

test('order at every destination: blobs, then child manifests, then the tagged index', async () => {
  const idx = buildMultiPlatform({ seed: 'order' });
  const client = await seeded(idx);
  const { calls } = await promote(client, edges(idx, ['m1.local/prod', 'm2.local/prod'], ['v1']));
  for (const h of ['m1.local', 'm2.local']) {
    const mine = calls.filter((c) => c.host === h);
    const at = (pred: (c: MemoryCall) => boolean) => mine.flatMap((c, i) => (pred(c) ? [i] : []));
    const blobWrites = at((c) => c.op === 'uploadBlob' || c.op === 'mountBlob');
    const childPuts = at((c) => c.op === 'putManifest' && c.reference !== 'v1');
    const tagPut = at((c) => c.op === 'putManifest' && c.reference === 'v1');
    assert.equal(childPuts.length, idx.manifests.length);
    assert.equal(tagPut.length, 1);
    assert.ok(Math.max(...blobWrites) < Math.min(...childPuts), `${h}: blobs before child manifests`);
    assert.ok(Math.max(...childPuts) < tagPut[0]!, `${h}: children before the index tag`);
  }
});

test('within one host, blobs are uploaded to one repository and mounted into the others', async () => {
  const img = buildImage({ seed: 'mount', layers: 3 });
  const client = await seeded(img);
  const { out, calls } = await promote(client, edges(img, ['m1.local/prod', 'm1.local/prod-eu', 'm2.local/prod'], ['v1']));
  assert.ok([...out.values()].every((o) => o.ok));
  const n = blobsOf(img).length;
  const on = (op: string, host: string) => calls.filter((c) => c.op === op && c.host === host).length;
  // the plan listed the repositories empty: prod gets plain uploads, prod-eu then mounts from prod
  assert.equal(on('uploadBlob', 'm1.local'), n);
  assert.equal(on('mountBlob', 'm1.local'), n);
  assert.equal(on('uploadBlob', 'm2.local'), n);
  assert.equal(on('mountBlob', 'm2.local'), 0);
  assert.equal(calls.filter((c) => c.op === 'getBlob').length, n);
});

test('a repository the plan saw holding the image is mounted from, without reading the source blobs', async () => {
  const img = buildImage({ seed: 'known', layers: 2 });
  const client = await seeded(img);
  await putImage(client.store('m1.local'), 'prod/app', img, 'v1');
  const es = [...edges(img, ['m1.local/prod'], ['v1']), ...edges(img, ['m1.local/mirror'], ['v1'])];
  const { out, calls } = await promote(client, es);
  assert.ok([...out.values()].every((o) => o.ok));
  assert.equal(calls.filter((c) => c.op === 'getBlob' || c.op === 'uploadBlob' || c.op === 'headBlob').length, 0);
  assert.equal(calls.filter((c) => c.op === 'mountBlob').length, blobsOf(img).length);
});

test('an extra tag on a digest the destination holds is one manifest PUT', async () => {
  const img = buildImage({ seed: 'tagonly' });
  const client = await seeded(img);
  await putImage(client.store('m1.local'), 'prod/app', img, 'v1');
  const { out, plan, calls } = await promote(client, edges(img, ['m1.local/prod'], ['v1', 'v1.0']));
  assert.deepEqual(plan.edges.map((p) => p.decision), [{ kind: 'present' }, { kind: 'promote', tagOnly: true }]);
  assert.deepEqual([...out.values()], [{ ok: true, confirmed: true }]);
  assert.deepEqual(calls.map((c) => [c.op, c.reference]), [['putManifest', 'v1.0']]);
});

test('a failing destination fails only its edges; the others are promoted and it gets no manifest', async () => {
  const img = buildImage({ seed: 'isolate', layers: 2, layerSize: 2 * 1024 * 1024 });
  const client = new MemoryRegistryClient({
    autoCreateHosts: true,
    intercept: (c) => {
      if (c.host === 'bad.local' && c.op === 'uploadBlob') throw new Error('bad.local: 403 DENIED');
    },
  });
  await putImage(client.store(SRC), 'staging/app', img, 'v1');
  const es = edges(img, ['m1.local/prod', 'bad.local/prod', 'm2.local/prod'], ['v1']);
  const { out, calls } = await promote(client, es);
  const results = es.map((e) => out.get(edgeKey(e))!);
  assert.deepEqual(results.map((o) => o.ok), [true, false, true]);
  const bad = results[1]!;
  assert.match(bad.ok ? '' : bad.error, /403 DENIED/);
  assert.equal(calls.filter((c) => c.host === 'bad.local' && c.op === 'putManifest').length, 0);
  for (const h of ['m1.local', 'm2.local']) assert.ok(await client.headManifest({ host: h, repository: 'prod/app' }, 'v1'));
});

test('a second run writes nothing', async () => {
  const idx = buildMultiPlatform({ seed: 'rerun' });
  const client = await seeded(idx);
  const es = [...edges(idx, ['m1.local/prod', 'm2.local/prod'], ['v1', 'latest'])];
  await promote(client, es);
  client.resetCalls();
  const { plan, out } = await promote(client, es);
  assert.ok(plan.edges.every((p) => p.decision.kind === 'present'));
  assert.equal(out.size, 0);
  assert.equal(client.writes, 0);
  assert.equal(client.calls.getManifest + client.calls.getBlob, 0, 'the source is not read');
});


test('into a repository that already has tags, each blob is mounted from itself and only absent ones are sent', async () => {
  const base = buildImage({ seed: 'base-v1', layers: 2 });
  const next = buildImage({ seed: 'base-v2', sharedLayers: base.layers }); // two shared layers + one new
  const client = await seeded(next);
  await putImage(client.store('m1.local'), 'prod/app', base, 'v0');
  const { out, calls } = await promote(client, edges(next, ['m1.local/prod'], ['v1', 'v2', 'v3'])); // listed
  assert.deepEqual([...out.values()], [{ ok: true, confirmed: true }, { ok: true, confirmed: true }, { ok: true, confirmed: true }]);
  assert.equal(calls.filter((c) => c.op === 'headBlob').length, 0);
  assert.equal(calls.filter((c) => c.op === 'mountBlob').length, blobsOf(next).length);
  const sent = calls.filter((c) => c.op === 'uploadBlob').map((c) => c.reference).sort();
  assert.deepEqual(sent, [next.config.digest, next.layers[2]!.digest].sort());
});

test('a new repository mounts from the same image name on its host (a previous run): no source blob read', async () => {
  const img = buildImage({ seed: 'sibling', layers: 2 });
  const old = buildImage({ seed: 'sibling-old', sharedLayers: img.layers });
  const client = await seeded(img);
  await putImage(client.store('m1.local'), 'prod/app', old, 'v0'); // older version: shares the layers
  const es = [...edges(img, ['m1.local/prod2'], ['v1']), ...edges(old, ['m1.local/prod'], ['v0'])];
  const { out, calls } = await promote(client, es);
  assert.ok([...out.values()].every((o) => o.ok));
  const mounts = calls.filter((c) => c.op === 'mountBlob');
  assert.equal(mounts.length, blobsOf(img).length);
  assert.deepEqual(calls.filter((c) => c.op === 'getBlob').map((c) => c.reference), [img.config.digest], 'only the config is new');
  assert.ok(await client.headManifest({ host: 'm1.local', repository: 'prod2/app' }, 'v1'));
});

test('a refused speculative mount falls back to a plain upload', async () => {
  const img = buildImage({ seed: 'refused', layers: 1 });
  const client = new MemoryRegistryClient({
    autoCreateHosts: true,
    intercept: (c) => {
      if (c.op === 'mountBlob') throw new RegistryError('denied', { op: 'mount blob', reference: c.reference ?? '', status: 403 });
    },
  });
  await putImage(client.store(SRC), 'staging/app', img, 'v1');
  const { out, calls } = await promote(client, edges(img, ['m1.local/prod'], ['v1']));
  assert.deepEqual([...out.values()], [{ ok: true, confirmed: true }]);
  assert.equal(calls.filter((c) => c.op === 'uploadBlob').length, blobsOf(img).length);
  assert.ok(await client.headManifest({ host: 'm1.local', repository: 'prod/app' }, 'v1'));
});
