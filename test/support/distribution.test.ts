/**
 * The test harness itself: real Distribution registries start, accept seeded images and
 * indexes (plain, Basic, Bearer, TLS), serve them back byte for byte, and stop.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startDistribution, startDistributions, type Distribution } from './distribution.js';
import { buildImage, fetchBlob, fetchManifest, fetchTags, seedImage, seedIndex, sha256 } from './seed.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('distribution harness', () => {
  it('starts two instances, seeds an image and an index, reads them back, stops', async (t) => {
    const regs = await startDistributions(2);
    t.after(() => Promise.all(regs.map((r) => r.stop())));
    const [a, b] = regs as [Distribution, Distribution];
    assert.notEqual(a.host, b.host);
    assert.match(a.host, /^127\.0\.0\.1:\d+$/);

    const img = await seedImage(a, 'team/app', 'v1', { seed: 'app-v1' });
    assert.equal(img.digest, buildImage({ seed: 'app-v1' }).digest, 'seeding is deterministic');
    const got = await fetchManifest(a, 'team/app', 'v1');
    assert.equal(got.status, 200);
    assert.equal(got.headers['docker-content-digest'], img.digest);
    assert.equal(sha256(got.body), img.digest);
    assert.equal(got.headers['content-type'], img.mediaType);
    const layer = await fetchBlob(a, 'team/app', img.layers[0]!.digest);
    assert.deepEqual(layer.body, img.layers[0]!.bytes);

    const idx = await seedIndex(b, 'multi/arch', 'v2', { seed: 'multi' });
    const gotIdx = await fetchManifest(b, 'multi/arch', 'v2');
    assert.equal(gotIdx.status, 200);
    assert.equal(text(gotIdx.body), text(idx.bytes));
    assert.equal(idx.manifests[0]!.layers[0]!.digest, idx.manifests[1]!.layers[0]!.digest, 'base layer shared');
    for (const child of idx.manifests) {
      assert.equal((await fetchManifest(b, 'multi/arch', child.digest)).status, 200);
    }
    const list = await seedIndex(b, 'multi/docker', 'v3', { seed: 'multi', format: 'docker' });
    const gotList = await fetchManifest(b, 'multi/docker', 'v3');
    assert.equal(gotList.headers['docker-content-digest'], list.digest);
    assert.deepEqual(await fetchTags(b, 'multi/arch'), ['v2']);
    // instance a does not see b's content
    assert.equal((await fetchManifest(a, 'multi/arch', 'v2')).status, 404);

    const dir = a.dir;
    await a.stop();
    assert.equal(existsSync(dir), false, 'temp dir removed');
    await a.stop(); // idempotent
  });

  it('basic auth: seeds with credentials, rejects without', async (t) => {
    const reg = await startDistribution({ basicAuth: { username: 'u', password: 'p' } });
    t.after(() => reg.stop());
    const img = await seedImage(reg, 'secure/app', 'v1', { seed: 'basic' });
    assert.equal((await fetchManifest(reg, 'secure/app', 'v1')).headers['docker-content-digest'], img.digest);
    const anon = await fetchManifest({ url: reg.url }, 'secure/app', 'v1');
    assert.equal(anon.status, 401);
    assert.match(anon.headers['www-authenticate'] ?? '', /^Basic /);
  });

  it('token auth: Bearer challenge, token server issues scoped tokens', async (t) => {
    const reg = await startDistribution({ tokenAuth: { username: 'tok', password: 'secret' } });
    t.after(() => reg.stop());
    const anon = await fetchManifest({ url: reg.url }, 'tok/app', 'v1');
    assert.equal(anon.status, 401);
    assert.match(anon.headers['www-authenticate'] ?? '', /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service=/);
    const img = await seedImage(reg, 'tok/app', 'v1', { seed: 'token' });
    assert.equal((await fetchManifest(reg, 'tok/app', 'v1')).headers['docker-content-digest'], img.digest);
    const reqs = reg.tokenServer!.requests;
    assert.ok(reqs.some((r) => r.granted && r.scopes.includes('repository:tok/app:pull,push')));
    const wrong = await fetchManifest({ url: reg.url, credentials: { username: 'tok', password: 'nope' } }, 'tok/app', 'v1').catch((e: Error) => e);
    assert.ok(wrong instanceof Error && /token server answered 401/.test(wrong.message));
  });

  it('tls: serves https with a CA clients can trust; deletes when enabled', async (t) => {
    const reg = await startDistribution({ tls: true, delete: true });
    t.after(() => reg.stop());
    assert.match(reg.url, /^https:/);
    assert.ok(reg.caFile && reg.ca?.includes('BEGIN CERTIFICATE'));
    const img = await seedImage(reg, 'tls/app', 'v1', { seed: 'tls' });
    assert.equal((await fetchManifest(reg, 'tls/app', 'v1')).status, 200);
    await assert.rejects(fetchManifest({ url: reg.url }, 'tls/app', 'v1'), 'untrusted without the CA');
    const { SeedSession } = await import('./seed.js');
    const s = new SeedSession(reg);
    try {
      assert.equal((await s.send('DELETE', `/v2/tls/app/manifests/${img.digest}`)).status, 202);
    } finally {
      await s.close();
    }
    assert.equal((await fetchManifest(reg, 'tls/app', img.digest)).status, 404);
  });
});
