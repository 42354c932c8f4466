/**
 * End-to-end promotions against real Distribution registries (one staging, three mirrors):
 * cold copy verified byte for byte, rerun without writes, multi-platform index, nested path,
 * a refused tag move, a lost image and a mirror that is down.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage, buildMultiPlatform, pushImage, pushIndex, seedImage, fetchManifest, type ImageData, type IndexData } from '../support/seed.js';
import { startDistribution, type Distribution } from '../support/distribution.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { assertHasImage, promote, startEnv, writeManifest, writes, type E2eEnv } from './harness.js';

let env: E2eEnv;
let app: ImageData; // two layers, one of 1.5 MiB (streamed, not buffered)
let tagless: ImageData;
let multi: IndexData;
let nested: ImageData;

before(async () => {
  env = await startEnv(3);
  app = buildImage({ seed: 'app-v1', layers: 2, layerSize: 1536 * 1024 });
  tagless = buildImage({ seed: 'app-tagless', sharedLayers: [app.layers[0]!] });
  multi = buildMultiPlatform({ seed: 'multi-v1' });
  nested = buildImage({ seed: 'sub-app-v1' });
  await pushImage(env.staging, 'staging/app', app, 'v1');
  await pushImage(env.staging, 'staging/app', tagless);
  await pushIndex(env.staging, 'staging/multi', multi, 'v1');
  await pushImage(env.staging, 'staging/sub/app', nested, 'v1');
});
after(() => env.stop());

const src = (): string => `${env.staging.host}/staging`;

test('cold promotion copies every image byte for byte to every mirror at the request count the registries see; a rerun writes nothing', async (t) => {
  // Counted where the registries see them: a fault proxy (no faults) in front of each.
  const stagingProxy = await startFaultProxy({ target: env.staging.url, lifetimeMs: 120_000 });
  const mirrorProxies = await Promise.all(env.mirrors.map((m) => startFaultProxy({ target: m.url, lifetimeMs: 120_000 })));
  const proxies = [stagingProxy, ...mirrorProxies];
  t.after(() => Promise.all(proxies.map((p) => p.stop())));
  const manifest = await writeManifest(env.dir, `${stagingProxy.host}/staging`, mirrorProxies.map((p) => `${p.host}/prod`), [
    { name: 'app', dmap: { [app.digest]: ['v1', 'stable'], [tagless.digest]: [] } },
    { name: 'multi', dmap: { [multi.digest]: ['v1'] } },
    { name: 'sub/app', dmap: { [nested.digest]: ['v1'] } },
  ]);
  const cold = await promote(manifest);
  assert.equal(cold.failure, undefined, cold.failure?.message);
  assert.deepEqual(cold.report.counts, { promoted: 15, 'already-present': 0, lost: 0, 'refused-tag-move': 0, failed: 0 });
  for (const m of env.mirrors) {
    await assertHasImage(m, 'prod/app', app, 'v1');
    await assertHasImage(m, 'prod/app', app, 'stable');
    await assertHasImage(m, 'prod/app', tagless);
    await assertHasImage(m, 'prod/multi', multi, 'v1');
    await assertHasImage(m, 'prod/sub/app', nested, 'v1');
  }

  // Each source blob and manifest is read once for all three mirrors, as the staging registry saw it.
  const uniqueBlobs = new Set([app, tagless, nested, ...multi.manifests].flatMap((i) => [i.config, ...i.layers].map((b) => b.digest)));
  const manifests = 4 + multi.manifests.length; // app, tagless, multi, nested + children
  const U = uniqueBlobs.size;
  // blobs above 1 MiB stream through a PATCH (hashed on the way) before the closing PUT commits them
  const L = [...new Set([app, tagless, nested, ...multi.manifests].flatMap((i) => [i.config, ...i.layers]).filter((b) => b.size > 1024 * 1024).map((b) => b.digest))].length;
  assert.equal(L, 2);
  const repos = 3; // prod/app, prod/multi, prod/sub/app
  const tagPuts = 4 + 1; // tags + the tagless digest
  assert.deepEqual(stagingProxy.counters().byKind, { ping: 1, 'manifest-get': manifests, 'blob-get': U });
  for (const p of mirrorProxies) {
    const { 'blob-mount': mounts = 0, 'upload-start': starts = 0, ...rest } = p.counters().byKind;
    // an upload opens with a speculative mount (answered with a 202 session) or a plain POST
    assert.equal(mounts + starts, U, `${p.host}: one upload session per blob`);
    // plan: one tag list per repository and the tagless digest by digest; no verification HEAD
    // (every manifest PUT was answered 201 with the digest sent, which proves it)
    assert.deepEqual(rest, { ping: 1, tags: repos, 'manifest-head': 1, 'upload-patch': L, 'upload-put': U, 'manifest-put': multi.manifests.length + tagPuts }, p.host);
  }
  // The floor (performance.md §4) plus what kpromo adds on purpose: per mirror, the plan's reads
  // (3 tag lists, 1 HEAD) and one PATCH per large blob, so its digest is checked before the commit.
  const floor = requestFloor({ K: 3, U, manifests, tagPuts, children: multi.manifests.length });
  assert.equal(floor, 115);
  const total = proxies.reduce((n, p) => n + p.counters().requests, 0);
  assert.equal(total, floor + 3 * (repos + 1) + 3 * L);

  for (const p of proxies) p.reset();
  const rerun = await promote(manifest);
  assert.equal(rerun.failure, undefined);
  assert.deepEqual(rerun.report.counts, { promoted: 0, 'already-present': 15, lost: 0, 'refused-tag-move': 0, failed: 0 });
  const rerunWrites = proxies.flatMap((p) => p.arrivals).filter((a) => !['GET', 'HEAD'].includes(a.method));
  assert.deepEqual(rerunWrites, [], 'the registries saw no write on the rerun');
  // A rerun reads nothing from staging; on each mirror one tag list per repository, and one HEAD
  // per listed tag of the unsigned digests (nothing vouches for them) on the first mirror, plus the tagless digest.
  const [first, ...others] = mirrorProxies.map((p) => p.counters().byKind);
  assert.deepEqual(stagingProxy.counters().byKind, {});
  assert.deepEqual(first, { ping: 1, tags: repos, 'manifest-head': 1 + 4 });
  for (const o of others) assert.deepEqual(o, { ping: 1, tags: repos, 'manifest-head': 1 });
});

/** performance.md §4: R_min = A·(K+1) + R_src + Σ W_d for empty destinations (A = 1 ping, no auth here). */
function requestFloor(p: { K: number; U: number; manifests: number; tagPuts: number; children: number }): number {
  const rSrc = p.manifests + p.U;
  const wD = 2 * p.U + p.children + p.tagPuts;
  return 1 * (p.K + 1) + rSrc + p.K * wD;
}

test('a tag move is refused on one mirror while the others are promoted (run fails)', async () => {
  const other = await seedImage(env.mirrors[0]!, 'moved/app', 'v1', { seed: 'someone-else' });
  const manifest = await writeManifest(env.dir, src(), env.mirrors.map((m) => `${m.host}/moved`), [
    { name: 'app', dmap: { [app.digest]: ['v1'] } },
  ]);
  const r = await promote(manifest);
  assert.match(r.failure?.message ?? '', /1 tag move refused/);
  const refused = r.report.outcomes!.filter((o) => o.outcome === 'refused-tag-move');
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!.dstRegistry, `${env.mirrors[0]!.host}/moved`);
  assert.equal(refused[0]!.currentDigest, other.digest);
  const still = await fetchManifest(env.mirrors[0]!, 'moved/app', 'v1');
  assert.equal(Buffer.from(still.body).equals(Buffer.from(other.bytes)), true, 'the tag was not moved');
  for (const m of env.mirrors.slice(1)) await assertHasImage(m, 'moved/app', app, 'v1');
});

test('a digest missing from staging is reported lost and the rest is promoted', async () => {
  const missing = 'sha256:' + 'f'.repeat(64);
  const manifest = await writeManifest(env.dir, src(), env.mirrors.map((m) => `${m.host}/lost`), [
    { name: 'app', dmap: { [app.digest]: ['v1'], [missing]: ['v9', 'v9.0'] } },
  ]);
  const r = await promote(manifest);
  assert.equal(r.failure, undefined, 'lost images warn, they do not fail the run (upstream)');
  const outcomes = r.report.outcomes!.map((o) => `${o.tag} ${o.outcome}`);
  assert.equal(outcomes.filter((o) => o === 'v1 promoted').length, env.mirrors.length);
  assert.equal(outcomes.filter((o) => / lost$/.test(o)).length, 2 * env.mirrors.length);
  // one line for the missing image, however many tags and mirrors wanted it
  const warned = r.logger.records.filter((l) => l.level === 'warn' && l.msg.includes('_LOST_'));
  assert.equal(warned.length, 1, JSON.stringify(warned));
  assert.match(warned[0]!.msg, new RegExp(`${missing} \\(${2 * env.mirrors.length} edges\\)$`));
  for (const m of env.mirrors) await assertHasImage(m, 'lost/app', app, 'v1');
});

test('a dry run reads and plans but writes nothing', async (t) => {
  const mirror = await startFaultProxy({ target: env.mirrors[0]!.url, lifetimeMs: 120_000 });
  t.after(() => mirror.stop());
  const manifest = await writeManifest(env.dir, src(), [`${mirror.host}/dry`], [{ name: 'app', dmap: { [app.digest]: ['v1'] } }]);
  const r = await promote(manifest, { confirm: false });
  assert.equal(r.mode, 'dry-run');
  assert.equal(r.pipeline.stopped?.startsWith('dry run'), true);
  assert.equal(writes(r), 0);
  assert.ok(mirror.arrivals.length > 0, 'the mirror was read');
  assert.deepEqual(mirror.arrivals.filter((a) => !['GET', 'HEAD'].includes(a.method)), [], 'the mirror saw no write');
  assert.deepEqual(r.report.planCounts, { present: 0, lost: 0, 'tag-move': 0, promote: 1, unreadable: 0, refused: 0 });
  assert.equal((await fetchManifest(env.mirrors[0]!, 'dry/app', 'v1')).status, 404);
});

test('a mirror that is down fails its edges only; the others complete and the run fails', async () => {
  // A mirror of its own, stopped before the run: the shared mirrors stay up for the other tests.
  const m1 = await startDistribution();
  const [m0, m2] = env.mirrors as [Distribution, Distribution];
  const manifest = await writeManifest(env.dir, src(), [m0, m1, m2].map((m) => `${m.host}/down`), [
    { name: 'multi', dmap: { [multi.digest]: ['v1'] } },
  ]);
  await m1.stop();
  const r = await promote(manifest);
  assert.match(r.failure?.message ?? '', /1 edge failed/);
  const failed = r.report.outcomes!.filter((o) => o.outcome === 'failed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.dstRegistry, `${m1.host}/down`);
  assert.match(failed[0]!.error ?? '', new RegExp(m1.host.replace(/\./g, '\\.')));
  await assertHasImage(m0, 'down/multi', multi, 'v1');
  await assertHasImage(m2, 'down/multi', multi, 'v1');
});
