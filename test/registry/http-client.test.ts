/**
 * The HTTP registry client against real registries: Distribution 2.8 (anonymous, Basic, Bearer
 * token, TLS) and the in-process registry (with and without the referrers API, Basic auth).
 * Every RegistryClient operation, indexes with children, mount (201 and 202 fallback), chunked
 * uploads, referrers (API and tag-schema fallback), and no secret in logs or errors.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { startDistribution } from '../support/distribution.js';
import { buildImage, buildMultiPlatform, type ImageData } from '../support/seed.js';
import { startRegistryServer } from '../../src/registry/server/server.js';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import { staticCredentials } from '../../src/registry/http/credentials.js';
import { attachReferrer } from '../../src/registry/http/referrers.js';
import { RegistryError } from '../../src/registry/errors.js';
import { MemoryLogger } from '../../src/log.js';
import { digest, type RepoRef } from '../../src/image/ref.js';
import type { RegistryClient } from '../../src/registry/types.js';

const PASSWORD = 'canary-pw-7f3a9';

interface Running {
  host: string;
  stop(): Promise<void>;
  credentials?: { username: string; password: string };
  caFile?: string;
  tls?: boolean;
  tokenRequests?: () => number;
  referrersApi: boolean;
}

const backends: { name: string; start(): Promise<Running> }[] = [
  { name: 'distribution, anonymous', start: async () => ({ ...(await startDistribution()), referrersApi: false }) },
  { name: 'distribution, basic auth', start: async () => ({ ...(await startDistribution({ basicAuth: { username: 'u', password: PASSWORD } })), referrersApi: false }) },
  {
    name: 'distribution, bearer token',
    start: async () => {
      const d = await startDistribution({ tokenAuth: { username: 'u', password: PASSWORD } });
      return { ...d, referrersApi: false, tokenRequests: () => d.tokenServer!.requests.length };
    },
  },
  { name: 'distribution, TLS', start: async () => ({ ...(await startDistribution({ tls: true })), tls: true, referrersApi: false }) },
  { name: 'in-process, referrers API', start: async () => ({ ...(await startRegistryServer()), referrersApi: true }) },
  { name: 'in-process, no referrers API, basic auth', start: async () => ({ ...(await startRegistryServer({ referrers: false, basicAuth: { username: 'u', password: PASSWORD } })), credentials: { username: 'u', password: PASSWORD }, referrersApi: false }) },
];

/** Pushes an image's blobs (config monolithic, layers chunked from a stream) and its manifest. */
async function pushImage(c: RegistryClient, repo: RepoRef, img: ImageData, tag?: string): Promise<void> {
  await c.uploadBlob(repo, { digest: digest(img.config.digest), size: img.config.size }, img.config.bytes);
  for (const l of img.layers) {
    if (await c.headBlob(repo, digest(l.digest))) continue;
    await c.uploadBlob(repo, { digest: digest(l.digest), size: l.size }, Readable.from([Buffer.from(l.bytes)]), { chunkSize: 100 });
  }
  await c.putManifest(repo, tag ?? img.digest, { bytes: img.bytes, mediaType: img.mediaType });
}

for (const backend of backends) {
  describe(`http client: ${backend.name}`, () => {
    let reg: Running;
    let c: RegistryClient;
    const logger = new MemoryLogger();
    const repo = (name: string): RepoRef => ({ host: reg.host, repository: name });
    before(async () => {
      reg = await backend.start();
      c = createHttpRegistryClient({
        logger,
        credentials: reg.credentials ? staticCredentials({ [reg.host]: { kind: 'basic', ...reg.credentials } }) : undefined,
        caFile: reg.caFile,
        secureRegistries: reg.tls ? [reg.host] : [],
      });
    });
    after(async () => {
      await c?.close();
      await reg?.stop();
    });

    it('pings, pushes an image, and reads it back verified', async () => {
      await c.ping(reg.host);
      const img = buildImage({ seed: `${backend.name}:one`, layers: 2, layerSize: 350 });
      const r = repo('team/app');
      await pushImage(c, r, img, 'v1');
      assert.equal(await c.putManifest(r, img.digest, { bytes: img.bytes, mediaType: img.mediaType }), img.digest);
      const byTag = await c.headManifest(r, 'v1');
      assert.deepEqual(byTag, { digest: img.digest, mediaType: img.mediaType, size: img.size });
      const got = await c.getManifest(r, 'v1');
      assert.deepEqual(Buffer.from(got.bytes), Buffer.from(img.bytes));
      assert.equal((await c.getManifest(r, img.digest)).digest, img.digest);
      for (const l of img.layers) {
        assert.deepEqual(await c.headBlob(r, digest(l.digest)), { size: l.size });
        assert.deepEqual(await buffer(await c.getBlob(r, digest(l.digest), { size: l.size })), Buffer.from(l.bytes));
      }
      assert.equal(await c.headBlob(r, digest(`sha256:${'1'.repeat(64)}`)), undefined);
      assert.equal(await c.headManifest(r, 'absent'), undefined);
      const missing = await c.getManifest(r, 'absent').catch((e: unknown) => e);
      assert.ok(missing instanceof RegistryError && missing.status === 404, String(missing));
      assert.deepEqual(await c.listTags(r), ['v1']);
      assert.deepEqual(await c.listTags(repo('no/such')), []);
      assert.ok((await c.catalog(reg.host)).includes('team/app'));
    });

    it('pushes an index after its children and reads children by digest', async () => {
      const index = buildMultiPlatform({ seed: `${backend.name}:multi` });
      const r = repo('team/multi');
      for (const child of index.manifests) await pushImage(c, r, child);
      await c.putManifest(r, 'v2', { bytes: index.bytes, mediaType: index.mediaType });
      const got = await c.getManifest(r, 'v2');
      assert.equal(got.digest, index.digest);
      assert.equal(got.mediaType, 'application/vnd.oci.image.index.v1+json');
      const children = (JSON.parse(Buffer.from(got.bytes).toString()) as { manifests: { digest: string; size: number }[] }).manifests;
      assert.equal(children.length, 2);
      for (const d of children) {
        const m = await c.getManifest(r, d.digest);
        assert.equal(m.size, d.size);
      }
    });

    it('refuses a manifest whose blobs are missing, with the spec code', async () => {
      const img = buildImage({ seed: `${backend.name}:orphan` });
      const err = await c.putManifest(repo('team/orphan'), 'v1', { bytes: img.bytes, mediaType: img.mediaType }).catch((e: unknown) => e);
      assert.ok(err instanceof RegistryError, String(err));
      assert.equal(err.status, 400);
      assert.ok(err.codes.some((x) => /BLOB_UNKNOWN|MANIFEST_INVALID/.test(x)), err.codes.join());
    });

    it('mounts within the host (201), and falls back to upload in the session a 202 opens', async () => {
      const img = buildImage({ seed: `${backend.name}:mount` });
      await pushImage(c, repo('team/src'), img);
      const layer = img.layers[0]!;
      assert.deepEqual(await c.mountBlob(repo('team/dst'), digest(layer.digest), 'team/src'), { mounted: true });
      assert.deepEqual(await c.headBlob(repo('team/dst'), digest(layer.digest)), { size: layer.size });
      const fresh = buildImage({ seed: `${backend.name}:mount-miss` }).layers[0]!;
      const res = await c.mountBlob(repo('team/dst'), digest(fresh.digest), 'team/src');
      assert.equal(res.mounted, false);
      if (res.mounted) return;
      await c.uploadBlob(repo('team/dst'), { digest: digest(fresh.digest), size: fresh.size }, fresh.bytes, { session: res.session });
      assert.deepEqual(await c.headBlob(repo('team/dst'), digest(fresh.digest)), { size: fresh.size });
    });

    it('attaches referrers (API or sha256-<hex> fallback) keeping existing entries, idempotently', async () => {
      const r = repo('team/signed');
      const subject = buildImage({ seed: `${backend.name}:subject` });
      await pushImage(c, r, subject, 'v1');
      const desc = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
      const sig = buildImage({ seed: `${backend.name}:sig`, subject: desc, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', layers: 1 });
      const sbom = buildImage({ seed: `${backend.name}:sbom`, subject: desc, artifactType: 'application/spdx+json', layers: 1 });
      for (const a of [sig, sbom]) for (const l of [a.config, ...a.layers]) await c.uploadBlob(r, { digest: digest(l.digest), size: l.size }, l.bytes);
      const first = await attachReferrer(c, r, digest(subject.digest), { bytes: sig.bytes, mediaType: sig.mediaType });
      assert.equal(first.updatedFallbackTag, !reg.referrersApi);
      await attachReferrer(c, r, digest(subject.digest), { bytes: sbom.bytes, mediaType: sbom.mediaType });
      const again = await attachReferrer(c, r, digest(subject.digest), { bytes: sig.bytes, mediaType: sig.mediaType });
      assert.equal(again.updatedFallbackTag, false);
      const all = await c.listReferrers(r, digest(subject.digest));
      assert.deepEqual(all.map((d) => d.digest).sort(), [sig.digest, sbom.digest].sort());
      const sigs = await c.listReferrers(r, digest(subject.digest), { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
      assert.deepEqual(sigs.map((d) => d.digest), [sig.digest]);
      assert.deepEqual(await c.listReferrers(r, digest(`sha256:${'2'.repeat(64)}`)), []);
      const tags = await c.listTags(r);
      assert.equal(tags.includes(`sha256-${subject.digest.slice(7)}`), !reg.referrersApi);
    });

    if (backend.name.includes('auth') || backend.name.includes('bearer')) {
      it('a wrong password is a 401 RegistryError without the password', async () => {
        const bad = createHttpRegistryClient({ logger, credentials: staticCredentials({ [reg.host]: { kind: 'basic', username: 'u', password: 'wrong-canary-pw' } }) });
        try {
          const err = await bad.listTags(repo('team/app')).catch((e: unknown) => e);
          assert.ok(err instanceof RegistryError, String(err));
          assert.equal(err.status, 401);
        } finally {
          await bad.close();
        }
      });
    }

    if (backend.name.includes('TLS')) {
      it('is refused without the CA file (self-signed certificate), and never falls back to HTTP', async () => {
        const untrusting = createHttpRegistryClient({ secureRegistries: [reg.host] });
        try {
          const err = await untrusting.ping(reg.host).catch((e: unknown) => e);
          assert.ok(err instanceof RegistryError, String(err));
          assert.match(String((err.cause as Error)?.message ?? err.message), /self.signed|certificate/i);
        } finally {
          await untrusting.close();
        }
      });
    }

    if (backend.name.includes('bearer')) {
      it('caches tokens per scope and fetches a new one after expiry', async () => {
        let now = Date.now();
        const timed = createHttpRegistryClient({ now: () => now, credentials: staticCredentials({ [reg.host]: { kind: 'basic', ...reg.credentials! } }) });
        try {
          const before = reg.tokenRequests!();
          await timed.listTags(repo('team/app'));
          await timed.listTags(repo('team/app'));
          await timed.headManifest(repo('team/app'), 'v1');
          assert.equal(reg.tokenRequests!() - before, 1);
          now += 3600_000;
          await timed.listTags(repo('team/app'));
          assert.equal(reg.tokenRequests!() - before, 2);
        } finally {
          await timed.close();
        }
      });
    }

    it('leaks no password or token into logs or errors', async () => {
      // Its own client, log and errors: pushes (chunked uploads carry _state in their URLs, a
      // bearer registry hands out tokens), a refused manifest, a wrong password where there is
      // auth, and a connection to a closed port.
      const log = new MemoryLogger();
      const errors: unknown[] = [];
      const credentials = reg.credentials ? staticCredentials({ [reg.host]: { kind: 'basic', ...reg.credentials } }) : undefined;
      const own = createHttpRegistryClient({ logger: log, credentials, caFile: reg.caFile, secureRegistries: reg.tls ? [reg.host] : [] });
      const bad = createHttpRegistryClient({ logger: log, credentials: staticCredentials({ [reg.host]: { kind: 'basic', username: 'u', password: 'wrong-canary-pw' } }), caFile: reg.caFile, secureRegistries: reg.tls ? [reg.host] : [] });
      const closed = await startRegistryServer();
      await closed.stop();
      try {
        const img = buildImage({ seed: `${backend.name}:leak`, layers: 1, layerSize: 350 });
        await pushImage(own, repo('team/leak'), img, 'v1');
        const orphan = buildImage({ seed: `${backend.name}:leak-orphan` });
        errors.push(await own.putManifest(repo('team/leak'), 'orphan', { bytes: orphan.bytes, mediaType: orphan.mediaType }).catch((e: unknown) => e));
        if (reg.credentials || backend.name.includes('auth') || backend.name.includes('bearer')) {
          errors.push(await bad.listTags(repo('team/leak')).catch((e: unknown) => e));
        }
        errors.push(await own.ping(closed.host).catch((e: unknown) => e));
      } finally {
        await own.close();
        await bad.close();
      }
      assert.ok(errors.every((e) => e instanceof RegistryError), errors.map(String).join('\n'));
      assert.ok(log.records.some((r) => JSON.stringify(r).includes('/blobs/uploads/')), 'upload URLs were logged');
      const texts = [...log.records.map((r) => JSON.stringify(r)), ...errors.map((e) => `${(e as Error).message}\n${(e as Error).stack}\n${String((e as Error).cause)}`)];
      for (const t of texts) {
        assert.ok(!t.includes(PASSWORD) && !t.includes('wrong-canary-pw'), t);
        assert.ok(!/eyJ[\w-]{10,}/.test(t), `JWT in: ${t}`);
        assert.ok(!/Basic [A-Za-z0-9+/=]{8,}/.test(t), t);
        assert.ok(!/_state=/.test(t), t);
      }
    });
  });
}
