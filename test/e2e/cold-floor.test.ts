/**
 * A cold promotion with the phases `kpromo cip --sign=false` runs (plan, referrers, promote,
 * carry) against real Distribution registries, counted by kind where the registries see them:
 * every request is one of performance.md §4's floor, or one of the reads that learn what exists
 * (a tag list per destination repository, a tag list per source repository for its attachments,
 * one referrers-API probe per source host).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage, buildMultiPlatform, pushImage, pushIndex, type ImageData, type IndexData } from '../support/seed.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { assertHasImage, promote, startEnv, writeManifest, type E2eEnv } from './harness.js';
import { keyTrust, newKey } from '../trust/harness.js';

let env: E2eEnv;
let app: ImageData;
let multi: IndexData;

before(async () => {
  env = await startEnv(2);
  app = buildImage({ seed: 'cold-floor-app', layers: 2 });
  multi = buildMultiPlatform({ seed: 'cold-floor-multi' });
  await pushImage(env.staging, 'staging/app', app, 'v1');
  await pushIndex(env.staging, 'staging/multi', multi, 'v1');
});
after(() => env.stop());

test('a cold promotion sends the floor plus one tag list per repository and one referrers probe: no fallback index read, no HEAD', async (t) => {
  const stagingProxy = await startFaultProxy({ target: env.staging.url, lifetimeMs: 120_000 });
  const mirrorProxies = await Promise.all(env.mirrors.map((m) => startFaultProxy({ target: m.url, lifetimeMs: 120_000 })));
  t.after(() => Promise.all([stagingProxy, ...mirrorProxies].map((p) => p.stop())));
  const manifest = await writeManifest(env.dir, `${stagingProxy.host}/staging`, mirrorProxies.map((p) => `${p.host}/prod`), [
    { name: 'app', dmap: { [app.digest]: ['v1'] } },
    { name: 'multi', dmap: { [multi.digest]: ['v1'] } },
  ]);
  // as `--sign=false` without any check configured: no signer, no provenance or signature reads
  const r = await promote(manifest, { trust: keyTrust(newKey(), undefined, { checks: false }) });
  assert.equal(r.failure, undefined, r.failure?.message);
  for (const m of env.mirrors) {
    await assertHasImage(m, 'prod/app', app, 'v1');
    await assertHasImage(m, 'prod/multi', multi, 'v1');
  }
  const blobs = new Set([app, ...multi.manifests].flatMap((i) => [i.config, ...i.layers].map((b) => b.digest))).size;
  const manifests = 2 + multi.manifests.length;
  const repos = 2;
  // staging: its manifests and blobs once; one tag list per repository shows no attachment tag, and
  // the referrers API probe (404 on Distribution) is not followed by a read of the fallback tag
  assert.deepEqual(stagingProxy.counters().byKind, { ping: 1, referrers: 1, tags: repos, 'manifest-get': manifests, 'blob-get': blobs });
  for (const p of mirrorProxies) {
    const { 'blob-mount': mounts = 0, 'upload-start': starts = 0, ...rest } = p.counters().byKind;
    assert.equal(mounts + starts, blobs, `${p.host}: one upload session per blob`);
    // one tag list per repository (404: nothing more to read there), the writes, no verification HEAD
    assert.deepEqual(rest, { ping: 1, tags: repos, 'upload-put': blobs, 'manifest-put': manifests });
  }
});
