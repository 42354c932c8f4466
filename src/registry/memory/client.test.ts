/** The in-memory RegistryClient behaves like the HTTP client against a registry. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { type Digest, type RepoRef } from '../../image/ref.js';
import { RegistryError } from '../errors.js';
import { MemoryStore } from '../store/memory.js';
import { MemoryRegistryClient } from './client.js';
import { blobOf, buildIndex, buildImage, buildMultiPlatform, putImage, putIndex, sha256 } from './fixtures.js';

const SRC = 'src.example';
const DST = 'dst.example';
const repo = (host: string, repository: string): RepoRef => ({ host, repository });

async function readStream(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A client with a populated source and an empty destination. */
async function setup(opts: { referrers?: boolean } = {}) {
  const src = new MemoryStore();
  const dst = new MemoryStore();
  const img = await putImage(src, 'team/app', buildImage({ seed: 'app', layers: 2 }), 'v1');
  const idx = await putIndex(src, 'team/multi', buildMultiPlatform({ seed: 'multi' }), 'v2');
  const client = new MemoryRegistryClient({ hosts: { [SRC]: src, [DST]: dst }, referrers: opts.referrers });
  return { src, dst, img, idx, client };
}

/** The RegistryError a promise rejects with. */
async function registryError(p: Promise<unknown>): Promise<RegistryError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof RegistryError, `expected a RegistryError, got ${String(err)}`);
  return err;
}

describe('MemoryRegistryClient reads', () => {
  it('reads manifests, blobs, tags and the catalog, with zero writes', async () => {
    const { client, img, idx } = await setup();
    const r = repo(SRC, 'team/app');
    assert.deepEqual(await client.headManifest(r, 'v1'), { digest: img.digest, mediaType: img.mediaType, size: img.size });
    const got = await client.getManifest(r, img.digest);
    assert.deepEqual(got.bytes, img.bytes);
    assert.equal(got.digest, img.digest);
    assert.equal((await client.getManifest(repo(SRC, 'team/multi'), 'v2')).digest, idx.digest);
    assert.deepEqual(await client.headBlob(r, img.layers[0]!.digest), { size: img.layers[0]!.size });
    const blob = await readStream(await client.getBlob(r, img.layers[1]!.digest, { size: img.layers[1]!.size }));
    assert.deepEqual(new Uint8Array(blob), img.layers[1]!.bytes);
    assert.deepEqual(await client.listTags(r), ['v1']);
    assert.deepEqual(await client.catalog(SRC), ['team/app', 'team/multi']);
    assert.equal(client.writes, 0);
    assert.equal(client.calls.getManifest, 2);
    assert.deepEqual(client.history[0], { op: 'headManifest', host: SRC, repository: 'team/app', reference: 'v1' });
  });

  it('reports absence like the HTTP client: undefined for HEAD, RegistryError 404 for GET, [] for tags', async () => {
    const { client, img } = await setup();
    const r = repo(SRC, 'team/app');
    assert.equal(await client.headManifest(r, 'nope'), undefined);
    assert.equal(await client.headBlob(repo(SRC, 'other'), img.layers[0]!.digest), undefined, 'blobs are per repository');
    const m = await registryError(client.getManifest(r, 'nope'));
    assert.equal(m.status, 404);
    assert.deepEqual(m.codes, ['MANIFEST_UNKNOWN']);
    const b = await registryError(client.getBlob(r, sha256('absent')));
    assert.equal(b.status, 404);
    assert.deepEqual(await client.listTags(repo(SRC, 'never')), []);
    const host = await registryError(client.ping('unknown.example'));
    assert.match(host.message, /no registry at unknown\.example/);
    const auto = new MemoryRegistryClient({ autoCreateHosts: true });
    assert.deepEqual(await auto.listTags(repo('any.example', 'x')), []);
  });

  it('verifies digests on read (corrupt manifest, corrupt blob, wrong size)', async () => {
    const { client, src, img } = await setup();
    const r = repo(SRC, 'team/app');
    await src.putManifest('team/app', sha256('other') as string, { mediaType: img.mediaType, bytes: img.bytes });
    const m = await registryError(client.getManifest(r, sha256('other')));
    assert.equal(m.retryable, true);
    const bad = blobOf(new TextEncoder().encode('tampered'), 'x');
    await src.putBlob('team/app', sha256('claimed'), bad.bytes);
    await assert.rejects(readStream(await client.getBlob(r, sha256('claimed'))), (e: unknown) => e instanceof RegistryError && /does not match/.test(e.message));
    await registryError(client.getBlob(r, img.layers[0]!.digest, { size: 1 }));
  });
});

describe('MemoryRegistryClient writes', () => {
  it('copies an image blobs-first; refuses a manifest whose blobs are missing', async () => {
    const { client, img } = await setup();
    const d = repo(DST, 'mirror/app');
    const early = await registryError(client.putManifest(d, 'v1', img));
    assert.equal(early.status, 400);
    assert.deepEqual(early.codes, ['MANIFEST_BLOB_UNKNOWN']);
    for (const b of [img.config, ...img.layers]) {
      await client.uploadBlob(d, b, Readable.from([Buffer.from(b.bytes)]), { chunkSize: 7 });
    }
    assert.equal(await client.putManifest(d, 'v1', img), img.digest);
    assert.deepEqual((await client.getManifest(d, 'v1')).bytes, img.bytes);
    assert.equal(client.writes, 5);
  });

  it('refuses a blob whose bytes do not match its digest or size, and a PUT by a wrong digest', async () => {
    const { client, img } = await setup();
    const d = repo(DST, 'x');
    const bytes = new TextEncoder().encode('abc');
    const wrong = await registryError(client.uploadBlob(d, { digest: sha256('xyz'), size: 3 }, bytes));
    assert.deepEqual(wrong.codes, ['DIGEST_INVALID']);
    await registryError(client.uploadBlob(d, { digest: sha256(bytes), size: 4 }, bytes));
    assert.equal(await client.headBlob(d, sha256(bytes)), undefined);
    const put = await registryError(client.putManifest(repo(SRC, 'team/app'), sha256('nope'), img));
    assert.deepEqual(put.codes, ['DIGEST_INVALID']);
  });

  it('mounts from a repository on the same host, else hands out a session for the upload', async () => {
    const { client, img } = await setup();
    const layer = img.layers[0]!;
    assert.deepEqual(await client.mountBlob(repo(SRC, 'copy/app'), layer.digest, 'team/app'), { mounted: true });
    assert.deepEqual(await client.headBlob(repo(SRC, 'copy/app'), layer.digest), { size: layer.size });
    const res = await client.mountBlob(repo(DST, 'copy/app'), layer.digest, 'team/app');
    assert.equal(res.mounted, false);
    if (res.mounted) return;
    await registryError(client.uploadBlob(repo(DST, 'elsewhere'), layer, layer.bytes, { session: res.session }));
    await client.uploadBlob(repo(DST, 'copy/app'), layer, layer.bytes, { session: res.session });
    assert.deepEqual(await client.headBlob(repo(DST, 'copy/app'), layer.digest), { size: layer.size });
  });

  it('lets a test inject failures through intercept', async () => {
    const src = new MemoryStore();
    const client = new MemoryRegistryClient({
      hosts: { [SRC]: src },
      intercept: (c) => {
        if (c.op === 'putManifest') throw new RegistryError('injected', { op: c.op, reference: c.host, status: 503 });
      },
    });
    const img = buildImage({ seed: 'x' });
    const err = await registryError(client.putManifest(repo(SRC, 'r'), 'v1', img));
    assert.equal(err.retryable, true);
    assert.equal(client.calls.putManifest, 1);
  });
});

describe('MemoryRegistryClient referrers', () => {
  for (const referrers of [true, false]) {
    it(`lists referrers ${referrers ? 'through the API' : 'through the sha256-<hex> tag fallback'}, filtered by artifactType`, async () => {
      const src = new MemoryStore();
      const subject = await putImage(src, 'r', buildImage({ seed: 'subject' }), 'v1');
      const sig = await putImage(src, 'r', buildImage({ seed: 'sig', subject, artifactType: 'application/x-sig' }));
      const sbom = await putImage(src, 'r', buildImage({ seed: 'sbom', subject, artifactType: 'application/x-sbom' }));
      if (!referrers) {
        const fallback = buildIndex([sig, sbom]);
        const doc = JSON.parse(new TextDecoder().decode(fallback.bytes)) as { manifests: Record<string, unknown>[] };
        doc.manifests[0]!.artifactType = 'application/x-sig';
        doc.manifests[1]!.artifactType = 'application/x-sbom';
        const bytes = new TextEncoder().encode(JSON.stringify(doc));
        await src.putManifest('r', sha256(bytes), { mediaType: fallback.mediaType, bytes });
        await src.setTag('r', `sha256-${subject.digest.slice(7)}`, sha256(bytes));
      }
      const client = new MemoryRegistryClient({ hosts: { [SRC]: src }, referrers });
      const all = await client.listReferrers(repo(SRC, 'r'), subject.digest);
      assert.deepEqual(all.map((d) => d.digest).sort(), [sig.digest, sbom.digest].sort());
      const only = await client.listReferrers(repo(SRC, 'r'), subject.digest, { artifactType: 'application/x-sbom' });
      assert.deepEqual(only.map((d) => [d.digest, d.size, d.artifactType]), [[sbom.digest, sbom.size, 'application/x-sbom']]);
      assert.deepEqual(await client.listReferrers(repo(SRC, 'r'), sig.digest as Digest), []);
    });
  }
});
