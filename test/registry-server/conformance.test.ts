/**
 * Distribution-spec conformance of the in-process registry, checked with plain fetch and the
 * independent seeding helpers: push/pull, indexes, mount, chunked and monolithic uploads,
 * pagination, referrers, and the errors the spec prescribes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRegistryServer, type RegistryServer } from '../../src/registry/server/server.js';
import { buildImage, buildIndex, buildMultiPlatform, pushImage, pushIndex, seedImage, sha256 } from '../support/seed.js';

const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json';

/** The spec error code of a failed answer. */
async function errCode(res: Response): Promise<string> {
  const body = (await res.json()) as { errors: { code: string }[] };
  return body.errors[0]!.code;
}

describe('in-process registry: distribution-spec conformance', () => {
  let reg: RegistryServer;
  const u = (p: string): string => `${reg.url}${p}`;
  before(async () => {
    reg = await startRegistryServer();
  });
  after(() => reg.stop());

  it('answers the ping', async () => {
    const res = await fetch(u('/v2/'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
  });

  it('pushes and pulls an image byte for byte, by tag and digest, in a nested repository', async () => {
    const img = await seedImage(reg, 'a/b/c', 'v1', { seed: 'pull', layers: 2 });
    for (const ref of ['v1', img.digest]) {
      const res = await fetch(u(`/v2/a/b/c/manifests/${ref}`), { headers: { accept: ACCEPT } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), img.mediaType);
      assert.equal(res.headers.get('docker-content-digest'), img.digest);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), img.bytes);
    }
    const head = await fetch(u('/v2/a/b/c/manifests/v1'), { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), String(img.size));
    const layer = img.layers[1]!;
    const blob = await fetch(u(`/v2/a/b/c/blobs/${layer.digest}`));
    assert.equal(sha256(new Uint8Array(await blob.arrayBuffer())), layer.digest);
    const range = await fetch(u(`/v2/a/b/c/blobs/${layer.digest}`), { headers: { range: 'bytes=10-19' } });
    assert.equal(range.status, 206);
    assert.deepEqual(new Uint8Array(await range.arrayBuffer()), layer.bytes.subarray(10, 20));
    const other = await fetch(u(`/v2/other/blobs/${layer.digest}`), { method: 'HEAD' });
    assert.equal(other.status, 404, 'blobs are scoped to repositories');
  });

  it('stores an index and a Docker list; refuses an index whose children are missing', async () => {
    const idx = await pushIndex(reg, 'multi', buildMultiPlatform({ seed: 'idx' }), 'v1');
    const res = await fetch(u('/v2/multi/manifests/v1'), { headers: { accept: ACCEPT } });
    assert.equal(res.headers.get('content-type'), idx.mediaType);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), idx.bytes);
    await pushIndex(reg, 'multi', buildMultiPlatform({ seed: 'idx', format: 'docker' }), 'docker');
    const orphan = buildIndex([buildImage({ seed: 'never-pushed' })]);
    const put = await fetch(u('/v2/multi/manifests/orphan'), { method: 'PUT', headers: { 'content-type': orphan.mediaType }, body: orphan.bytes });
    assert.equal(put.status, 400);
    assert.equal(await errCode(put), 'MANIFEST_BLOB_UNKNOWN');
  });

  it('refuses a manifest whose blob is missing, and one whose digest does not match', async () => {
    const img = buildImage({ seed: 'missing' });
    const put = await fetch(u('/v2/miss/manifests/v1'), { method: 'PUT', headers: { 'content-type': img.mediaType }, body: img.bytes });
    assert.equal(put.status, 400);
    assert.equal(await errCode(put), 'MANIFEST_BLOB_UNKNOWN');
    const pushed = await seedImage(reg, 'miss', 'v2', { seed: 'present' });
    const wrong = await fetch(u(`/v2/miss/manifests/${img.digest}`), { method: 'PUT', headers: { 'content-type': pushed.mediaType }, body: pushed.bytes });
    assert.equal(wrong.status, 400);
    assert.equal(await errCode(wrong), 'DIGEST_INVALID');
    const bad = await fetch(u('/v2/miss/manifests/v3'), { method: 'PUT', headers: { 'content-type': pushed.mediaType }, body: '{"schemaVersion": 1}' });
    assert.equal(await errCode(bad), 'MANIFEST_INVALID');
    const unknown = await fetch(u('/v2/miss/manifests/nope'));
    assert.equal(unknown.status, 404);
    assert.equal(await errCode(unknown), 'MANIFEST_UNKNOWN');
  });

  it('mounts a blob from another repository (201), or opens a session when it is not there (202)', async () => {
    const img = await seedImage(reg, 'mount/src', 'v1', { seed: 'mount' });
    const d = img.layers[0]!.digest;
    const ok = await fetch(u(`/v2/mount/dst/blobs/uploads/?mount=${d}&from=mount/src`), { method: 'POST' });
    assert.equal(ok.status, 201);
    assert.equal(ok.headers.get('location'), `/v2/mount/dst/blobs/${d}`);
    assert.equal(ok.headers.get('docker-content-digest'), d);
    assert.equal((await fetch(u(`/v2/mount/dst/blobs/${d}`), { method: 'HEAD' })).status, 200);
    const miss = await fetch(u(`/v2/mount/dst2/blobs/uploads/?mount=${d}&from=elsewhere`), { method: 'POST' });
    assert.equal(miss.status, 202);
    assert.match(miss.headers.get('location') ?? '', /^\/v2\/mount\/dst2\/blobs\/uploads\/[0-9a-f-]+$/);
  });

  it('accepts a chunked upload with Content-Range, and rejects a wrong digest on the final PUT', async () => {
    const bytes = new TextEncoder().encode('0123456789abcdefghij');
    const start = await fetch(u('/v2/chunked/blobs/uploads/'), { method: 'POST' });
    assert.equal(start.status, 202);
    let loc = start.headers.get('location')!;
    const p1 = await fetch(u(loc), { method: 'PATCH', headers: { 'content-range': '0-9', 'content-type': 'application/octet-stream' }, body: bytes.subarray(0, 10) });
    assert.equal(p1.status, 202);
    assert.equal(p1.headers.get('range'), '0-9');
    const gap = await fetch(u(p1.headers.get('location')!), { method: 'PATCH', headers: { 'content-range': '15-19' }, body: bytes.subarray(15) });
    assert.equal(gap.status, 416);
    loc = p1.headers.get('location')!;
    const p2 = await fetch(u(loc), { method: 'PATCH', headers: { 'content-range': '10-19' }, body: bytes.subarray(10) });
    assert.equal(p2.headers.get('range'), '0-19');
    const wrong = await fetch(u(`${loc}?digest=${sha256('other')}`), { method: 'PUT' });
    assert.equal(wrong.status, 400);
    assert.equal(await errCode(wrong), 'DIGEST_INVALID');
    const done = await fetch(u(`${loc}?digest=${sha256(bytes)}`), { method: 'PUT' });
    assert.equal(done.status, 201);
    assert.equal(done.headers.get('docker-content-digest'), sha256(bytes));
    const back = await fetch(u(`/v2/chunked/blobs/${sha256(bytes)}`));
    assert.deepEqual(new Uint8Array(await back.arrayBuffer()), bytes);
    const gone = await fetch(u(loc), { method: 'PATCH', body: 'x' });
    assert.equal(await errCode(gone), 'BLOB_UPLOAD_UNKNOWN');
  });

  it('accepts a monolithic POST ?digest=, verifying it', async () => {
    const bytes = new TextEncoder().encode('single post');
    const bad = await fetch(u(`/v2/mono/blobs/uploads/?digest=${sha256('nope')}`), { method: 'POST', body: bytes });
    assert.equal(await errCode(bad), 'DIGEST_INVALID');
    const ok = await fetch(u(`/v2/mono/blobs/uploads/?digest=${sha256(bytes)}`), { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(ok.status, 201);
    assert.equal((await fetch(u(`/v2/mono/blobs/${sha256(bytes)}`), { method: 'HEAD' })).headers.get('content-length'), String(bytes.length));
  });

  it('paginates tags and the catalog with n/last and Link', async () => {
    const img = await seedImage(reg, 'pages', 't0', { seed: 'pages' });
    for (const t of ['t3', 't1', 't4', 't2']) {
      await pushImage(reg, 'pages', img, t);
    }
    const seen: string[] = [];
    let next: string | null = '/v2/pages/tags/list?n=2';
    for (let i = 0; next && i < 10; i++) {
      const res: Response = await fetch(u(next));
      const body = (await res.json()) as { name: string; tags: string[] };
      assert.equal(body.name, 'pages');
      assert.ok(body.tags.length <= 2);
      seen.push(...body.tags);
      next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
    }
    assert.deepEqual(seen, ['t0', 't1', 't2', 't3', 't4']);
    const all = (await (await fetch(u('/v2/pages/tags/list'))).json()) as { tags: string[] };
    assert.deepEqual(all.tags, seen);
    const after = (await (await fetch(u('/v2/pages/tags/list?last=t2'))).json()) as { tags: string[] };
    assert.deepEqual(after.tags, ['t3', 't4']);
    const unknown = await fetch(u('/v2/never/tags/list'));
    assert.equal(await errCode(unknown), 'NAME_UNKNOWN');
    const cat1 = await fetch(u('/v2/_catalog?n=1'));
    assert.equal(((await cat1.json()) as { repositories: string[] }).repositories.length, 1);
    assert.match(cat1.headers.get('link') ?? '', /rel="next"/);
    const cat = (await (await fetch(u('/v2/_catalog'))).json()) as { repositories: string[] };
    assert.ok(cat.repositories.includes('a/b/c') && cat.repositories.includes('pages'));
    assert.deepEqual(cat.repositories, [...cat.repositories].sort());
  });

  it('lists referrers, filters by artifactType, and sends OCI-Subject', async () => {
    const subject = await seedImage(reg, 'refs', 'v1', { seed: 'subject' });
    const sig = buildImage({ seed: 'sig', subject, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
    const sbom = buildImage({ seed: 'sbom', subject, artifactType: 'application/spdx+json' });
    for (const a of [sig, sbom]) {
      await pushImage(reg, 'refs', a);
      const put = await fetch(u(`/v2/refs/manifests/${a.digest}`), { method: 'PUT', headers: { 'content-type': a.mediaType }, body: a.bytes });
      assert.equal(put.status, 201);
      assert.equal(put.headers.get('oci-subject'), subject.digest);
    }
    const all = await fetch(u(`/v2/refs/referrers/${subject.digest}`));
    assert.equal(all.status, 200);
    assert.equal(all.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    assert.equal(all.headers.get('oci-filters-applied'), null);
    const idx = (await all.json()) as { manifests: { digest: string; artifactType: string; size: number }[] };
    assert.deepEqual(idx.manifests.map((m) => m.digest).sort(), [sig.digest, sbom.digest].sort());
    const f = await fetch(u(`/v2/refs/referrers/${subject.digest}?artifactType=application/spdx%2Bjson`));
    assert.equal(f.headers.get('oci-filters-applied'), 'artifactType');
    const fi = (await f.json()) as { manifests: { digest: string; size: number }[] };
    assert.deepEqual(fi.manifests.map((m) => [m.digest, m.size]), [[sbom.digest, sbom.size]]);
    const none = (await (await fetch(u(`/v2/refs/referrers/${sig.digest}`))).json()) as { manifests: unknown[] };
    assert.deepEqual(none.manifests, []);
  });

  it('deletes a manifest by digest, removing its tags', async () => {
    const img = await seedImage(reg, 'del', 'v1', { seed: 'del' });
    assert.equal((await fetch(u(`/v2/del/manifests/${img.digest}`), { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(u(`/v2/del/manifests/${img.digest}`))).status, 404);
    assert.equal((await fetch(u('/v2/del/manifests/v1'))).status, 404);
    assert.deepEqual(((await (await fetch(u('/v2/del/tags/list'))).json()) as { tags: string[] }).tags, []);
  });

  it('rejects invalid names and counts requests by kind', async () => {
    const res = await fetch(u('/v2/Bad_Name/tags/list'));
    assert.equal(res.status, 400);
    assert.equal(await errCode(res), 'NAME_INVALID');
    reg.resetStats();
    await fetch(u('/v2/'));
    await fetch(u('/v2/a/b/c/manifests/v1'), { method: 'HEAD' });
    assert.deepEqual(reg.stats.byKind, { 'GET ping': 1, 'HEAD manifest': 1 });
    assert.equal(reg.stats.total, 2);
  });
});

describe('in-process registry: options', () => {
  it('without referrers: plain 404 and no OCI-Subject, like Distribution 2.8', async (t) => {
    const reg = await startRegistryServer({ referrers: false });
    t.after(() => reg.stop());
    const subject = await seedImage(reg, 'r', 'v1', { seed: 's' });
    const art = buildImage({ seed: 'art', subject, artifactType: 'application/x-test' });
    await pushImage(reg, 'r', art);
    const put = await fetch(`${reg.url}/v2/r/manifests/${art.digest}`, { method: 'PUT', headers: { 'content-type': art.mediaType }, body: art.bytes });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('oci-subject'), null);
    const res = await fetch(`${reg.url}/v2/r/referrers/${subject.digest}`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), '404 page not found\n');
  });

  it('basic auth: 401 with a Basic challenge without credentials', async (t) => {
    const reg = await startRegistryServer({ basicAuth: { username: 'u', password: 'p' } });
    t.after(() => reg.stop());
    const res = await fetch(`${reg.url}/v2/`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.equal(await errCode(res), 'UNAUTHORIZED');
    const img = await seedImage({ url: reg.url, credentials: { username: 'u', password: 'p' } }, 'x', 'v1', { seed: 'auth' });
    assert.equal(img.digest, buildImage({ seed: 'auth' }).digest);
  });

  it('--dir: content survives a restart', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'kpromo-regdir-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const first = await startRegistryServer({ dir });
    let img;
    try {
      img = await pushIndex(first, 'keep/me', buildMultiPlatform({ seed: 'dir' }), 'v1');
    } finally {
      await first.stop();
    }
    const second = await startRegistryServer({ dir });
    t.after(() => second.stop());
    const res = await fetch(`${second.url}/v2/keep/me/manifests/v1`, { headers: { accept: ACCEPT } });
    assert.equal(res.headers.get('docker-content-digest'), img.digest);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), img.bytes);
    assert.deepEqual(((await (await fetch(`${second.url}/v2/_catalog`)).json()) as { repositories: string[] }).repositories, ['keep/me']);
  });
});
