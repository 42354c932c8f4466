/**
 * Everything that belongs to an image travels with it: an image with an SPDX SBOM, a signed
 * in-toto provenance and a signature in both schemes (a bundle referrer and cosign's `.sig`),
 * cosign `.sbom` / `.att` tags, a `.sig` on the SBOM, plus a Helm chart and a WASM module with
 * SBOMs, promoted to three mirrors behind fault proxies, on real Distribution (fallback tag
 * scheme) and on the in-process registry (referrers API).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { digest as asDigest } from '../../src/image/ref.js';
import { attachReferrer } from '../../src/registry/http/referrers.js';
import { attachBundle } from '../../src/signing/bundle-attach.js';
import { COSIGN_SIGN_PREDICATE_TYPE } from '../../src/signing/check.js';
import { createKeySigner } from '../../src/signing/key-signer.js';
import { PREDICATE_TYPE_ANNOTATION } from '../../src/signing/referrers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { buildImage, buildMultiPlatform, fetchManifest, fetchTags, pushImage, pushIndex, sha256, type ImageData, type SeedTarget } from '../support/seed.js';
import { writeManifest } from '../e2e/harness.js';
import { keyTrust, newKey, promoteWithTrust, referrersOf, startTrustEnv, type RegistryKind, type TrustEnv } from '../trust/harness.js';
import { slsaV1, stageAttTag, stageProvenance, stageSignature } from '../trust/seed-trust.js';
import { parseReferrerFilter } from '../../src/referrers/filter.js';
import { cosignSbomImage, helmChart, SPDX, sbomReferrer, wasmModule } from './seed-artifacts.js';

const WRITES = ['manifest-put', 'upload-start', 'upload-put', 'upload-patch', 'blob-mount'] as const;
const tagOf = (d: string, suffix: string): string => `${d.replace(':', '-')}.${suffix}`;

for (const kind of ['distribution', 'in-process'] as RegistryKind[]) {
  describe(`attachments on ${kind}`, () => {
    let env: TrustEnv;
    let proxies: FaultProxy[];
    const staging = newKey();
    const promoter = newKey();
    const stagingSigner = createKeySigner(staging.privateKey);
    before(async () => {
      env = await startTrustEnv(kind, 3);
      proxies = await Promise.all([env.staging, ...env.mirrors].map((t) => startFaultProxy({ target: t.url, lifetimeMs: 300_000, maxRequests: 50_000 })));
    });
    after(async () => {
      await Promise.all(proxies.map((p) => p.stop()));
      await env.stop();
    });
    const mirrorsOf = () => proxies.slice(1);
    const writes = () => mirrorsOf().reduce((n, p) => n + WRITES.reduce((m, k) => m + (p.counters().byKind[k] ?? 0), 0), 0);
    const repoRef = (repository: string) => ({ host: env.staging.host, repository });

    /** Pushes `r` (a manifest with a subject) to staging and lists it as a referrer in staging's scheme. */
    async function stageReferrer(repository: string, subject: string, r: ImageData): Promise<void> {
      await pushImage(env.staging, repository, r);
      await attachReferrer(env.client, repoRef(repository), asDigest(subject), { bytes: r.bytes, mediaType: r.mediaType });
    }

    /** What `repo@digest` is at `t`: its digest (hash of the bytes served), or undefined. */
    async function at(t: SeedTarget, repo: string, ref: string): Promise<string | undefined> {
      const m = await fetchManifest(t, repo, ref);
      return m.status === 200 ? sha256(m.body) : undefined;
    }

    test('SBOM, provenance, both signature schemes, cosign tags and a signature on the SBOM reach every mirror with their digests; a rerun writes nothing', async () => {
      const app = buildImage({ seed: `carry-app-${kind}` });
      const chart = helmChart(`carry-chart-${kind}`);
      const wasm = wasmModule(`carry-wasm-${kind}`);
      await pushImage(env.staging, 'staging/app', app, 'v1');
      await pushImage(env.staging, 'staging/chart', chart, 'v1');
      await pushImage(env.staging, 'staging/wasm', wasm, 'v1');
      const sbom = sbomReferrer(app, 'app');
      await stageReferrer('staging/app', app.digest, sbom);
      await stageProvenance(env.client, env.staging.host, 'staging/app', app.digest, slsaV1(app.digest, 'https://builder.example', 'https://github.com/o/r'), stagingSigner);
      const sigBundle = await stagingSigner.signDsse(Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', predicateType: COSIGN_SIGN_PREDICATE_TYPE })), 'application/vnd.in-toto+json');
      await attachBundle(env.client, repoRef('staging/app'), asDigest(app.digest), sigBundle, { [PREDICATE_TYPE_ANNOTATION]: COSIGN_SIGN_PREDICATE_TYPE });
      await stageSignature(env.client, env.staging.host, 'staging/app', app.digest, stagingSigner);
      await pushImage(env.staging, 'staging/app', cosignSbomImage('app'), tagOf(app.digest, 'sbom'));
      await stageAttTag(env.client, env.staging.host, 'staging/app', app.digest, slsaV1(app.digest, 'https://builder.example', 'https://github.com/o/r'), stagingSigner);
      await stageSignature(env.client, env.staging.host, 'staging/app', sbom.digest, stagingSigner); // a signature on the SBOM
      await stageReferrer('staging/chart', chart.digest, sbomReferrer(chart, 'chart'));
      await stageReferrer('staging/wasm', wasm.digest, sbomReferrer(wasm, 'wasm'));

      const stagingRefs = async (repo: string, d: string) => (await referrersOf(env, env.staging, repo, d)).map((x) => x.digest).sort();
      const appRefs = await stagingRefs('staging/app', app.digest);
      assert.equal(appRefs.length, 3, 'staging: SBOM, provenance and signature bundle');
      const manifest = await writeManifest(env.dir, `${proxies[0]!.host}/staging`, mirrorsOf().map((m) => `${m.host}/prod`), [
        { name: 'app', dmap: { [app.digest]: ['v1'] } },
        { name: 'chart', dmap: { [chart.digest]: ['v1'] } },
        { name: 'wasm', dmap: { [wasm.digest]: ['v1'] } },
      ]);
      const trust = keyTrust(staging, promoter, { placement: 'replicate' });
      const dry = await promoteWithTrust(manifest, trust, { confirm: false });
      assert.deepEqual((dry.report.attachments as { planned: object }).planned, { present: 0, copy: 24, refused: 0 }, 'a dry run counts them');
      assert.equal(writes(), 0);
      const first = await promoteWithTrust(manifest, trust);
      assert.equal(first.failure, undefined, first.failure?.message);

      for (const m of env.mirrors) {
        const refs = (await referrersOf(env, m, 'prod/app', app.digest)).map((x) => x.digest);
        for (const d of appRefs) assert.ok(refs.includes(d), `${d} a referrer of app at ${m.host}`);
        for (const d of appRefs) assert.equal(await at(m, 'prod/app', d), d, `${d} stored at ${m.host}`);
        for (const s of ['sbom', 'att']) assert.equal(await at(m, 'prod/app', tagOf(app.digest, s)), await at(env.staging, 'staging/app', tagOf(app.digest, s)), `.${s} at ${m.host}`);
        assert.equal(await at(m, 'prod/app', tagOf(sbom.digest, 'sig')), await at(env.staging, 'staging/app', tagOf(sbom.digest, 'sig')), `the SBOM's .sig at ${m.host}`);
        for (const [name, img] of [['chart', chart], ['wasm', wasm]] as const) {
          const there = (await referrersOf(env, m, `prod/${name}`, img.digest)).map((x) => x.digest);
          for (const d of await stagingRefs(`staging/${name}`, img.digest)) assert.ok(there.includes(d), `${name} SBOM at ${m.host}`);
        }
        assert.ok((await fetchTags(m, 'prod/app')).includes('v1'));
      }
      const counts = (first.report.attachments as { counts: Record<string, number> }).counts;
      // app: 3 referrers + .sbom + .att + the SBOM's .sig; chart and wasm: 1 referrer each; × 3 mirrors
      assert.deepEqual(counts, { present: 0, copied: 24, refused: 0, failed: 0 });

      for (const p of proxies) p.reset();
      const rerun = await promoteWithTrust(manifest, trust);
      assert.equal(rerun.failure, undefined, rerun.failure?.message);
      assert.equal(writes(), 0, 'a rerun writes nothing');

      // A new tag of the same image: its attachments are found present from the mirrors' lists, none is written again.
      const retag = await writeManifest(env.dir, `${proxies[0]!.host}/staging`, mirrorsOf().map((m) => `${m.host}/prod`), [{ name: 'app', dmap: { [app.digest]: ['v1', 'v2'] } }]);
      for (const p of proxies) p.reset();
      const tagged = await promoteWithTrust(retag, trust);
      assert.equal(tagged.failure, undefined, tagged.failure?.message);
      assert.deepEqual(tagged.report.attachments, { planned: { present: 18, copy: 0, refused: 0 }, counts: { present: 18, copied: 0, refused: 0, failed: 0 }, items: [] });
      assert.equal(writes(), 3, 'only the new tag, on each mirror');
    });

    test('an attachment whose subject failed to copy is not written there', async () => {
      const img = buildImage({ seed: `carry-broken-${kind}` });
      await pushImage(env.staging, 'staging/broken', img, 'v1');
      const sbom = sbomReferrer(img, 'broken');
      await stageReferrer('staging/broken', img.digest, sbom);
      const manifest = await writeManifest(env.dir, `${proxies[0]!.host}/staging`, mirrorsOf().map((m) => `${m.host}/prod`), [{ name: 'broken', dmap: { [img.digest]: ['v1'] } }]);
      const bad = proxies[3]!;
      bad.configure({ paths: [{ path: `/prod/broken/manifests/${encodeURIComponent(img.digest)}`, fault: 'unavailable' }] });
      try {
        const r = await promoteWithTrust(manifest, keyTrust(staging, promoter, { placement: 'replicate' }));
        assert.ok(r.failure, `the run fails: ${JSON.stringify(bad.arrivals.map((a) => `${a.method} ${a.path} ${a.outcome}`))}`);
        const items = (r.report.attachments as { items: { repo: string; result: string }[] }).items;
        assert.deepEqual(items.filter((o) => o.repo.startsWith(bad.host)).map((o) => o.result), ['refused']);
      } finally {
        bad.configure({ paths: [] });
      }
      assert.equal(await at(env.mirrors[2]!, 'prod/broken', sbom.digest), undefined, 'no SBOM without its image');
      assert.deepEqual(await referrersOf(env, env.mirrors[2]!, 'prod/broken', img.digest), []);
      assert.equal(await at(env.mirrors[0]!, 'prod/broken', sbom.digest), sbom.digest, 'the mirrors that got the image got the SBOM');
    });

    test('--copy-referrers TYPE carries only attachments of that type; none carries nothing', async () => {
      const img = buildImage({ seed: `carry-filter-${kind}` });
      await pushImage(env.staging, 'staging/filtered', img, 'v1');
      const sbom = sbomReferrer(img, 'filtered');
      await stageReferrer('staging/filtered', img.digest, sbom);
      await stageProvenance(env.client, env.staging.host, 'staging/filtered', img.digest, slsaV1(img.digest, 'https://builder.example', 'https://github.com/o/r'), stagingSigner);
      const to = (path: string) => writeManifest(env.dir, `${proxies[0]!.host}/staging`, [`${proxies[1]!.host}/${path}`], [{ name: 'filtered', dmap: { [img.digest]: ['v1'] } }]);
      const only = await promoteWithTrust(await to('only'), keyTrust(staging, undefined, { referrers: parseReferrerFilter([SPDX]) }));
      assert.equal(only.failure, undefined, only.failure?.message);
      assert.deepEqual((await referrersOf(env, env.mirrors[0]!, 'only/filtered', img.digest)).map((x) => x.digest), [sbom.digest]);
      const none = await promoteWithTrust(await to('none'), keyTrust(staging, undefined, { referrers: parseReferrerFilter(['none']) }));
      assert.equal(none.failure, undefined, none.failure?.message);
      assert.deepEqual(await referrersOf(env, env.mirrors[0]!, 'none/filtered', img.digest), []);
      assert.equal(await at(env.mirrors[0]!, 'none/filtered', sbom.digest), undefined);
    });

    test('an attachment that fails to copy holds its image\'s tag back on that mirror; the rerun copies it, then tags', async () => {
      const img = buildImage({ seed: `carry-held-${kind}` });
      await pushImage(env.staging, 'staging/held', img, 'v1');
      const sbom = sbomReferrer(img, 'held');
      await stageReferrer('staging/held', img.digest, sbom);
      const manifest = await writeManifest(env.dir, `${proxies[0]!.host}/staging`, mirrorsOf().map((m) => `${m.host}/prod`), [{ name: 'held', dmap: { [img.digest]: ['v1'] } }]);
      const trust = keyTrust(staging, promoter, { placement: 'replicate' });
      const bad = proxies[2]!;
      bad.configure({ paths: [{ path: `/prod/held/manifests/${encodeURIComponent(sbom.digest)}`, fault: 'unavailable' }] });
      try {
        const r = await promoteWithTrust(manifest, trust);
        assert.ok(r.failure, 'the run fails');
        const failed = r.state.outcomes!.filter((o) => o.outcome === 'failed');
        assert.equal(failed.length, 1);
        assert.match(failed[0]!.error ?? '', /not tagged: copying its attachment application\/spdx\+json/);
      } finally {
        bad.configure({ paths: [] });
      }
      assert.ok(!(await fetchTags(env.mirrors[1]!, 'prod/held')).includes('v1'), 'not tagged where its SBOM is missing');
      for (const i of [0, 2]) assert.ok((await fetchTags(env.mirrors[i]!, 'prod/held')).includes('v1'), `tagged on mirror ${i}`);
      const rerun = await promoteWithTrust(manifest, trust);
      assert.equal(rerun.failure, undefined, rerun.failure?.message);
      assert.equal(await at(env.mirrors[1]!, 'prod/held', sbom.digest), sbom.digest);
      assert.ok((await referrersOf(env, env.mirrors[1]!, 'prod/held', img.digest)).some((x) => x.digest === sbom.digest));
      assert.ok((await fetchTags(env.mirrors[1]!, 'prod/held')).includes('v1'), 'tagged once its SBOM is there');
    });

    test('a dry run reads each staging referrer list once, for provenance, validate and referrers alike', async () => {
      const img = buildImage({ seed: `carry-reads-${kind}` });
      await pushImage(env.staging, 'staging/reads', img, 'v1');
      const sbom = sbomReferrer(img, 'reads');
      await stageReferrer('staging/reads', img.digest, sbom);
      await stageProvenance(env.client, env.staging.host, 'staging/reads', img.digest, slsaV1(img.digest, 'https://builder.example', 'https://github.com/o/r'), stagingSigner);
      const manifest = await writeManifest(env.dir, `${proxies[0]!.host}/staging`, [`${proxies[1]!.host}/reads`], [{ name: 'reads', dmap: { [img.digest]: ['v1'] } }]);
      for (const p of proxies) p.reset();
      const dry = await promoteWithTrust(manifest, keyTrust(staging, promoter), { confirm: false });
      assert.deepEqual((dry.report.attachments as { planned: object }).planned, { present: 0, copy: 2, refused: 0 });
      const c = proxies[0]!.counters().byKind;
      const fallbackReads = proxies[0]!.arrivals.filter((a) => a.kind === 'manifest-get' && a.path.endsWith(`/manifests/${img.digest.replace(':', '-')}`)).length;
      if (kind === 'in-process') {
        // the image's list, then each referrer's own (none has any)
        assert.equal(c.referrers, 3);
        assert.equal(fallbackReads, 0);
      } else {
        // one probe of the API per host; then the image's fallback index, once (the referrers have no fallback tag: the tag list says so)
        assert.equal(c.referrers, 1);
        assert.equal(fallbackReads, 1);
      }
    });

    test('the attachments of an index and of each of its children travel with it', async () => {
      const idx = buildMultiPlatform({ seed: `carry-index-${kind}` });
      await pushIndex(env.staging, 'staging/multi', idx, 'v1');
      const child = idx.manifests[1]!;
      const childSbom = sbomReferrer(child, 'multi-arm64');
      const indexSbom = sbomReferrer(idx, 'multi');
      await stageReferrer('staging/multi', child.digest, childSbom);
      await stageReferrer('staging/multi', idx.digest, indexSbom);
      const manifest = await writeManifest(env.dir, `${proxies[0]!.host}/staging`, [`${proxies[1]!.host}/idx`], [{ name: 'multi', dmap: { [idx.digest]: ['v1'] } }]);
      const r = await promoteWithTrust(manifest, keyTrust(staging, promoter));
      assert.equal(r.failure, undefined, r.failure?.message);
      const m = env.mirrors[0]!;
      assert.ok((await referrersOf(env, m, 'idx/multi', child.digest)).some((x) => x.digest === childSbom.digest), "the child's SBOM");
      assert.ok((await referrersOf(env, m, 'idx/multi', idx.digest)).some((x) => x.digest === indexSbom.digest), "the index's SBOM");
      assert.equal(await at(m, 'idx/multi', childSbom.digest), childSbom.digest);
    });
  });
}
