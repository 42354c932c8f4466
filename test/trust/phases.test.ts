/**
 * The trust phases inside real promotions, on both registry kinds: Distribution 2.8 (no
 * referrers API, so the tag-schema fallback) and the in-process registry (referrers API).
 * Everything that landed is read back with plain fetches and verified with openssl.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeySigner } from '../../src/signing/key-signer.js';
import { attestPhase } from '../../src/pipeline/phases/attest.js';
import { signPhase } from '../../src/pipeline/phases/sign.js';
import type { PromotionState } from '../../src/pipeline/state.js';
import { readInventory } from '../../src/plan/inventory.js';
import { MemoryLogger } from '../../src/log.js';
import { buildImage, buildMultiPlatform, fetchBlob, pushImage, pushIndex, type ImageData, type IndexData } from '../support/seed.js';
import { writeManifest } from '../e2e/harness.js';
import { keyTrust, manifestJson, newKey, promoteWithTrust, referrersOf, startTrustEnv, type RegistryKind, type TestKey, type TrustEnv } from './harness.js';
import { opensslVerify, opensslVerifyDsse } from './independent.js';
import { slsaV1, stageAttTag, stageProvenance, stageSignature } from './seed-trust.js';

const sigTagOf = (d: string) => `${d.replace(':', '-')}.sig`;

/** The simple-signing layers of a `.sig` image, with their payload bytes. */
async function sigLayers(target: TrustEnv['staging'], repo: string, d: string): Promise<{ payload: Buffer; sig: Buffer }[] | undefined> {
  const m = await manifestJson(target, repo, sigTagOf(d));
  if (!m) return undefined;
  const out = [];
  for (const l of m.layers) {
    assert.equal(l.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
    const blob = await fetchBlob(target, repo, l.digest);
    out.push({ payload: Buffer.from(blob.body), sig: Buffer.from(l.annotations['dev.cosignproject.cosign/signature'], 'base64') });
  }
  return out;
}

/** Layers of `d` signed by `key`, checked with openssl, with payload fields asserted. */
async function signedBy(target: TrustEnv['staging'], repo: string, d: string, key: TestKey, ref: string): Promise<number> {
  let n = 0;
  for (const l of (await sigLayers(target, repo, d)) ?? []) {
    if (!(await opensslVerify(key.publicPem, l.sig, l.payload))) continue;
    const p = JSON.parse(l.payload.toString());
    assert.equal(p.critical.image['docker-manifest-digest'], d);
    assert.equal(p.critical.type, 'cosign container image signature');
    if (p.critical.identity['docker-reference'] === ref) n++;
  }
  return n;
}

for (const kind of ['distribution', 'in-process'] as RegistryKind[]) {
  let env: TrustEnv;
  let app: ImageData, multi: IndexData, bad: ImageData, good: ImageData;
  const staging = newKey();
  const promoter = newKey();

  before(async () => {
    env = await startTrustEnv(kind);
    app = buildImage({ seed: `${kind}-app` });
    multi = buildMultiPlatform({ seed: `${kind}-multi` });
    bad = buildImage({ seed: `${kind}-bad` });
    good = buildImage({ seed: `${kind}-good` });
    await pushImage(env.staging, 'staging/app', app, 'v1');
    await pushIndex(env.staging, 'staging/multi', multi, 'v1');
    await pushImage(env.staging, 'staging/bad', bad, 'v1');
    await pushImage(env.staging, 'staging/good', good, 'v1');
    await stageSignature(env.client, env.staging.host, 'staging/bad', bad.digest, createKeySigner(newKey().privateKey));
    await stageSignature(env.client, env.staging.host, 'staging/good', good.digest, createKeySigner(staging.privateKey));
  });
  after(() => env.stop());

  test(`${kind}: validate refuses a badly signed image; every promoted digest is signed once on the canonical mirror and attested once`, async () => {
    const [m0, m1] = env.mirrors as [TrustEnv['staging'], TrustEnv['staging']];
    const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/prod`, `${m1.host}/prod`], [
      { name: 'app', dmap: { [app.digest]: ['v1'] } },
      { name: 'multi', dmap: { [multi.digest]: ['v1'] } },
      { name: 'bad', dmap: { [bad.digest]: ['v1'] } },
      { name: 'good', dmap: { [good.digest]: ['v1'] } },
    ]);
    const r = await promoteWithTrust(manifest, keyTrust(staging, promoter));
    assert.match(r.failure?.message ?? '', /2 edges failed/);
    assert.equal(r.report.counts?.promoted, 6);
    const refused = (r.report.outcomes as { srcImage: string; outcome: string; error?: string }[]).filter((o) => o.srcImage === 'bad');
    assert.equal(refused.length, 2);
    for (const o of refused) assert.match(o.error ?? '', /signature does not verify/);
    for (const m of env.mirrors) assert.equal(await manifestJson(m, 'prod/bad', bad.digest), undefined, 'refused image not copied');
    const trustReport = r.report.trust as { signatures: { image: string; status: string }[]; attested: unknown[] };
    assert.deepEqual(
      Object.fromEntries(trustReport.signatures.map((x) => [x.image.split('/').at(-1)!.split('@')[0], x.status])),
      { app: 'unsigned', multi: 'unsigned', bad: 'refused', good: 'verified' },
    );
    assert.equal(trustReport.attested.length, 3);

    // Canonical placement: signatures only on the first mirror, for the index and each child.
    for (const [name, d] of [['app', app.digest], ['multi', multi.digest], ...multi.manifests.map((c) => ['multi', c.digest]), ['good', good.digest]] as [string, string][]) {
      assert.equal(await signedBy(m0, `prod/${name}`, d, promoter, `${m0.host}/prod/${name}`), 1, `${name}@${d} signed once on ${m0.host}`);
      assert.equal(await sigLayers(m1, `prod/${name}`, d), undefined, `no signature on ${m1.host}`);
    }
    // The staging signature came along with the image.
    assert.equal(await signedBy(m0, 'prod/good', good.digest, staging, `${env.staging.host}/staging/good`), 1);

    // One promotion attestation per digest (not per child, mirror or tag), verified with openssl over the PAE.
    for (const [name, img] of [['app', app], ['multi', multi], ['good', good]] as const) {
      const refs = (await referrersOf(env, m0, `prod/${name}`, img.digest)).filter(
        (d) => d.annotations?.['dev.sigstore.bundle.predicateType'] === 'https://k8s.io/promo-tools/promotion/v1',
      );
      assert.equal(refs.length, 1, `${name}: one attestation`);
      const art = await manifestJson(m0, `prod/${name}`, refs[0]!.digest);
      assert.equal(art.subject.digest, img.digest);
      assert.equal(art.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
      const bundle = JSON.parse(Buffer.from((await fetchBlob(m0, `prod/${name}`, art.layers[0].digest)).body).toString());
      const v = await opensslVerifyDsse(promoter.publicPem, bundle);
      assert.equal(v.ok, true);
      assert.equal(v.payloadType, 'application/vnd.in-toto+json');
      const st = JSON.parse(v.payload.toString());
      assert.equal(st._type, 'https://in-toto.io/Statement/v1');
      assert.equal(st.predicateType, 'https://k8s.io/promo-tools/promotion/v1');
      assert.deepEqual(st.subject, [{ name: `${m0.host}/prod/${name}`, digest: { sha256: img.digest.slice(7) } }]);
      assert.deepEqual(st.predicate, {
        srcRef: `${env.staging.host}/staging/${name}@${img.digest}`,
        dstRef: `${m0.host}/prod/${name}@${img.digest}`,
        digest: img.digest,
        timestamp: '2026-01-02T03:04:05Z',
        builderId: 'https://k8s.io/promo-tools/kpromo@test',
      });
      assert.equal((await referrersOf(env, m1, `prod/${name}`, img.digest)).length, 0);
    }

    // Signing and attesting the same promotions again adds nothing.
    const before = await manifestJson(m0, `prod/app`, sigTagOf(app.digest));
    // A rerun plans again: its inventory (whose destination tag lists the trust phases start
    // from) is read now, after the first run's signatures and attestations.
    const inventory = await readInventory(env.client, r.state.edges!, { logger: new MemoryLogger() });
    const again: PromotionState = { ...r.state, inventory, deps: { ...r.state.deps, registry: env.client }, trust: undefined };
    const cfg = keyTrust(staging, promoter);
    const ctl = new AbortController();
    await signPhase(cfg).run(again, ctl.signal);
    await attestPhase(cfg).run(again, ctl.signal);
    assert.ok(again.trust!.signed.length > 0);
    assert.deepEqual(new Set(again.trust!.signed.map((w) => w.result)), new Set(['already-present']));
    assert.deepEqual(new Set(again.trust!.attested.map((w) => w.result)), new Set(['already-present']));
    assert.deepEqual(await manifestJson(m0, `prod/app`, sigTagOf(app.digest)), before);
  });

  test(`${kind}: replicate placement copies signatures to every mirror without signing again; bundle format attaches referrers`, async () => {
    const [m0, m1] = env.mirrors as [TrustEnv['staging'], TrustEnv['staging']];
    const simple = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/rep`, `${m1.host}/rep`], [{ name: 'app', dmap: { [app.digest]: ['v1'] } }]);
    const r = await promoteWithTrust(simple, keyTrust(staging, promoter, { placement: 'replicate' }));
    assert.equal(r.failure, undefined, r.failure?.message);
    const s0 = await manifestJson(m0, 'rep/app', sigTagOf(app.digest));
    assert.deepEqual(await manifestJson(m1, 'rep/app', sigTagOf(app.digest)), s0, 'same .sig bytes on both mirrors');
    assert.equal(await signedBy(m1, 'rep/app', app.digest, promoter, `${m0.host}/rep/app`), 1);
    assert.equal(r.state.trust!.signed.filter((w) => w.result === 'written').length, 1);

    const bundled = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/bun`, `${m1.host}/bun`], [{ name: 'multi', dmap: { [multi.digest]: ['v1'] } }]);
    const b = await promoteWithTrust(bundled, keyTrust(staging, promoter, { placement: 'replicate', format: 'bundle' }));
    assert.equal(b.failure, undefined, b.failure?.message);
    for (const m of env.mirrors) {
      for (const d of [multi.digest, ...multi.manifests.map((c) => c.digest)]) {
        const sigs = (await referrersOf(env, m, 'bun/multi', d)).filter((x) => x.annotations?.['dev.sigstore.bundle.predicateType'] === 'https://sigstore.dev/cosign/sign/v1');
        assert.equal(sigs.length, 1, `${m.host} ${d}: one signature bundle`);
        const art = await manifestJson(m, 'bun/multi', sigs[0]!.digest);
        const bundle = JSON.parse(Buffer.from((await fetchBlob(m, 'bun/multi', art.layers[0].digest)).body).toString());
        const v = await opensslVerifyDsse(promoter.publicPem, bundle);
        assert.equal(v.ok, true);
        assert.equal(JSON.parse(v.payload.toString()).subject[0].digest.sha256, d.slice(7));
      }
      assert.equal(await manifestJson(m, 'bun/multi', sigTagOf(multi.digest)), undefined, 'bundle format writes no .sig');
    }
  });

  test(`${kind}: provenance is verified if present, foreign signers ignored, policy allows and refuses as configured`, async () => {
    const p1 = buildImage({ seed: `${kind}-prov1` });
    const p2 = buildImage({ seed: `${kind}-prov2` });
    const p3 = buildImage({ seed: `${kind}-prov3` });
    for (const [n, i] of [['p1', p1], ['p2', p2], ['p3', p3]] as const) await pushImage(env.staging, `staging/${n}`, i, 'v1');
    const GOOD = 'https://builder.example/good';
    const stagingSigner = createKeySigner(staging.privateKey);
    await stageProvenance(env.client, env.staging.host, 'staging/p1', p1.digest, slsaV1(p1.digest, GOOD, 'https://github.com/o/r'), stagingSigner);
    await stageProvenance(env.client, env.staging.host, 'staging/p2', p2.digest, slsaV1(p2.digest, GOOD, 'https://github.com/o/r'), createKeySigner(newKey().privateKey));
    await stageAttTag(env.client, env.staging.host, 'staging/p3', p3.digest, slsaV1(p3.digest, 'https://builder.example/other', 'https://github.com/o/r'), stagingSigner);
    const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${env.mirrors[0]!.host}/prov`], [
      { name: 'p1', dmap: { [p1.digest]: ['v1'] } },
      { name: 'p2', dmap: { [p2.digest]: ['v1'] } },
      { name: 'p3', dmap: { [p3.digest]: ['v1'] } },
    ]);
    const decisions = async (provenance: { require: boolean; allowedBuilders: string[]; allowedSourceRepos: string[] }) => {
      const r = await promoteWithTrust(manifest, keyTrust(staging, undefined, { provenance }), { confirm: false });
      const out = Object.fromEntries((r.report.outcomes as { srcImage: string; decision: string }[]).map((o) => [o.srcImage, o.decision]));
      return { out, trust: r.state.trust!, failure: r.failure };
    };
    const open = await decisions({ require: false, allowedBuilders: [], allowedSourceRepos: [] });
    assert.deepEqual(open.out, { p1: 'promote', p2: 'promote', p3: 'promote' });
    assert.equal(open.failure, undefined);
    const st = [...open.trust.provenance.entries()].map(([k, v]) => [k.split('/').at(-1)!.split('@')[0], v.status]);
    assert.deepEqual(Object.fromEntries(st), { p1: 'verified', p2: 'absent', p3: 'verified' }, 'p2: foreign signer ignored; p3: via .att tag');

    const pinned = await decisions({ require: false, allowedBuilders: [GOOD], allowedSourceRepos: ['https://github.com/o/r'] });
    assert.deepEqual(pinned.out, { p1: 'promote', p2: 'promote', p3: 'refused' });
    assert.match(pinned.failure?.message ?? '', /refused/);

    const required = await decisions({ require: true, allowedBuilders: [], allowedSourceRepos: ['https://github.com/evil/r'] });
    assert.deepEqual(required.out, { p1: 'refused', p2: 'refused', p3: 'refused' });
  });
}
