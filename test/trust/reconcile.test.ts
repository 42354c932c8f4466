/**
 * Every run reconciles the end state the manifests declare, and tags become visible only after
 * signatures: against real Distribution 2.8 registries behind fault proxies, whose logs show
 * what each run asked and wrote. The incident first: a run whose signer fails leaves the
 * canonical mirror without tags, and the rerun with a good signer signs, attests, then tags.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeySigner } from '../../src/signing/key-signer.js';
import type { Signer } from '../../src/signing/types.js';
import { formatTrust } from '../../src/report/trust-text.js';
import { buildImage, buildMultiPlatform, fetchBlob, fetchTags, pushImage, pushIndex, type ImageData, type IndexData, type SeedTarget } from '../support/seed.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { writeManifest } from '../e2e/harness.js';
import { keyTrust, manifestJson, newKey, promoteWithTrust, referrersOf, startTrustEnv, type TrustEnv } from './harness.js';
import { opensslVerify } from './independent.js';
import { stageSignature } from './seed-trust.js';

const sigTagOf = (d: string): string => `${d.replace(':', '-')}.sig`;
const PROMOTION = 'https://k8s.io/promo-tools/promotion/v1';

let env: TrustEnv;
let proxies: { staging: FaultProxy; m0: FaultProxy; m1: FaultProxy };
const staging = newKey();
const promoter = newKey();

before(async () => {
  env = await startTrustEnv('distribution');
  const front = (t: SeedTarget) => startFaultProxy({ target: t.url, lifetimeMs: 300_000, maxRequests: 50_000 });
  proxies = { staging: await front(env.staging), m0: await front(env.mirrors[0]!), m1: await front(env.mirrors[1]!) };
});
after(async () => {
  await Promise.all(Object.values(proxies).map((p) => p.stop()));
  await env.stop();
});

/** A signer whose every signature fails, as with an identity token that is not a JWT. */
function brokenSigner(): Signer {
  const fail = async (): Promise<never> => {
    throw new Error('identity token is not a JWT');
  };
  return { kind: 'keyless', signMessage: fail, signDsse: fail, identity: fail, owns: async () => false };
}

/** Layers of the `.sig` of `d` in `repo` signed by `key` over `ref`, checked with openssl. */
async function signedBy(target: SeedTarget, repo: string, d: string, key: typeof promoter, ref: string): Promise<number> {
  const m = await manifestJson(target, repo, sigTagOf(d));
  let n = 0;
  for (const l of m?.layers ?? []) {
    const payload = Buffer.from((await fetchBlob(target, repo, l.digest)).body);
    if (!(await opensslVerify(key.publicPem, Buffer.from(l.annotations['dev.cosignproject.cosign/signature'], 'base64'), payload))) continue;
    const p = JSON.parse(payload.toString());
    if (p.critical.image['docker-manifest-digest'] === d && p.critical.identity['docker-reference'] === ref) n++;
  }
  return n;
}

/** Promotion attestations of `d` at `target`. */
const attestations = async (target: SeedTarget, repo: string, d: string) =>
  (await referrersOf(env, target, repo, d)).filter((x) => x.annotations?.['dev.sigstore.bundle.predicateType'] === PROMOTION);

/** Pushes `name` (an image or an index) to staging and returns a manifest promoting it to both mirrors under `path`. */
async function stage(path: string, imgs: Array<[string, ImageData | IndexData]>): Promise<string> {
  for (const [name, img] of imgs) {
    if ('manifests' in img) await pushIndex(env.staging, `staging/${name}`, img, 'v1');
    else await pushImage(env.staging, `staging/${name}`, img, 'v1');
  }
  return writeManifest(env.dir, `${proxies.staging.host}/staging`, [`${proxies.m0.host}/${path}`, `${proxies.m1.host}/${path}`],
    imgs.map(([name, img]) => ({ name, dmap: { [img.digest]: ['v1'] } })));
}

test('incident: a failed sign leaves no tag on any mirror; the rerun signs, attests, then tags', async () => {
  const app = buildImage({ seed: 'rec-app' });
  const multi = buildMultiPlatform({ seed: 'rec-multi' });
  const manifest = await stage('inc', [['app', app], ['multi', multi]]);
  const m0 = proxies.m0;
  const m1 = proxies.m1;

  const first = await promoteWithTrust(manifest, keyTrust(staging, promoter, { signer: brokenSigner() }));
  assert.ok(first.failure, 'the run fails');
  for (const [name, img] of [['app', app], ['multi', multi]] as const) {
    assert.ok(await manifestJson(m0, `inc/${name}`, img.digest), `${name} is on the canonical mirror by digest`);
    assert.deepEqual(await fetchTags(m0, `inc/${name}`).catch(() => []), [], `${name}: no tag on the canonical mirror`);
    assert.ok(await manifestJson(m1, `inc/${name}`, img.digest), `${name} is on the other mirror by digest`);
    assert.deepEqual(await fetchTags(m1, `inc/${name}`).catch(() => []), [], `${name}: no tag on the other mirror either`);
  }
  const edges = first.report.outcomes as { dstRegistry: string; outcome: string; error?: string }[];
  assert.equal(edges.length, 4);
  for (const o of edges) {
    assert.equal(o.outcome, 'failed');
    assert.match(o.error ?? '', /not tagged: .*identity token is not a JWT/);
  }

  const second = await promoteWithTrust(manifest, keyTrust(staging, promoter));
  assert.equal(second.failure, undefined, second.failure?.message);
  for (const [name, img] of [['app', app], ['multi', multi]] as const) {
    assert.equal((await manifestJson(m0, `inc/${name}`, 'v1')) !== undefined, true, `${name}:v1 tagged on the canonical mirror`);
    assert.equal((await manifestJson(m1, `inc/${name}`, 'v1')) !== undefined, true, `${name}:v1 tagged on the other mirror`);
    assert.equal(await signedBy(m0, `inc/${name}`, img.digest, promoter, `${m0.host}/inc/${name}`), 1, `${name} signed`);
    assert.equal((await attestations(m0, `inc/${name}`, img.digest)).length, 1, `${name} attested`);
  }
  for (const c of multi.manifests) assert.equal(await signedBy(m0, 'inc/multi', c.digest, promoter, `${m0.host}/inc/multi`), 1, 'child signed');
  // Both mirrors held the images by digest only, so the rerun plans them as promotions (a tag
  // to write) and signs them as such: 6 signatures (app, multi, its two children), 2 attestations.
  const trust = second.state.trust!;
  assert.equal(trust.signed.filter((w) => w.result === 'written').length, 4);
  assert.equal(trust.attested.filter((w) => w.result === 'written').length, 2);
});

test('an already present image lacking its signature, attestation or staging signature gets them; replicate heals a missing mirror copy', async () => {
  const plain = buildImage({ seed: 'rec-plain' });
  const good = buildImage({ seed: 'rec-good' });
  const manifest = await stage('old', [['plain', plain], ['good', good]]);
  await stageSignature(env.client, env.staging.host, 'staging/good', good.digest, createKeySigner(staging.privateKey));
  const m0 = proxies.m0;
  const m1 = proxies.m1;

  // Promoted earlier without signing: tags everywhere, no signature or attestation anywhere.
  const unsigned = await promoteWithTrust(manifest, keyTrust(staging, undefined));
  assert.equal(unsigned.failure, undefined, unsigned.failure?.message);
  for (const m of [m0, m1]) for (const n of ['plain', 'good']) assert.ok(!(await fetchTags(m, `old/${n}`)).some((t) => t.endsWith('.sig')), '--sign=false writes no signature');
  assert.equal((await attestations(m0, 'old/plain', plain.digest)).length, 0);
  assert.equal(unsigned.state.trust?.signed.length ?? 0, 0);

  const healing = await promoteWithTrust(manifest, keyTrust(staging, promoter));
  assert.equal(healing.failure, undefined, healing.failure?.message);
  assert.deepEqual(new Set(healing.state.outcomes!.map((o) => o.outcome)), new Set(['already-present']));
  for (const [n, img] of [['plain', plain], ['good', good]] as const) {
    assert.equal(await signedBy(m0, `old/${n}`, img.digest, promoter, `${m0.host}/old/${n}`), 1, `${n} signed`);
    assert.equal((await attestations(m0, `old/${n}`, img.digest)).length, 1, `${n} attested`);
    assert.equal(await manifestJson(m1, `old/${n}`, sigTagOf(img.digest)), undefined, 'canonical placement: nothing on the other mirror');
  }
  assert.equal(await signedBy(m0, 'old/good', good.digest, staging, `${env.staging.host}/staging/good`), 1, 'staging signature copied along');
  const kinds = (healing.report.trust as { healed: { kind: string }[] }).healed.map((h) => h.kind).sort();
  assert.deepEqual(kinds, ['attestation', 'attestation', 'signature', 'signature', 'staging signature']);
  const text = formatTrust(healing.state.trust!);
  assert.match(text, /healed 5\n/, text);
  assert.match(text, new RegExp(`healed +attestation +${m0.host}/old/plain@sha256:`));

  // Replicate placement: the other mirror lacks the copies; they are copied, not signed again.
  const replicated = await promoteWithTrust(manifest, keyTrust(staging, promoter, { placement: 'replicate' }));
  assert.equal(replicated.failure, undefined, replicated.failure?.message);
  for (const [n, img] of [['plain', plain], ['good', good]] as const) {
    assert.deepEqual(await manifestJson(m1, `old/${n}`, sigTagOf(img.digest)), await manifestJson(m0, `old/${n}`, sigTagOf(img.digest)), `${n}: same .sig on both mirrors`);
  }
  assert.equal(replicated.state.trust!.signed.filter((w) => w.result === 'written').length, 0, 'nothing signed again');
  assert.equal((replicated.report.trust as { healed: { kind: string }[] }).healed.filter((h) => h.kind === 'signature copy').length, 2);
});

test('signed before visible: on the canonical mirror every tag PUT comes after its signature and attestation writes', async () => {
  const a = buildImage({ seed: 'rec-order-a' });
  const idx = buildMultiPlatform({ seed: 'rec-order-i' });
  const manifest = await stage('ord', [['a', a], ['i', idx]]);
  proxies.m0.reset();
  const r = await promoteWithTrust(manifest, keyTrust(staging, promoter));
  assert.equal(r.failure, undefined, r.failure?.message);
  const puts = proxies.m0.arrivals.filter((x) => x.kind === 'manifest-put').map((x) => x.path);
  for (const [name, img] of [['a', a], ['i', idx]] as const) {
    const at = (ref: string) => puts.indexOf(`/v2/ord/${name}/manifests/${ref}`);
    const tag = at('v1');
    assert.ok(tag >= 0, `${name}:v1 written: ${puts.join(' ')}`);
    for (const ref of [sigTagOf(img.digest), img.digest.replace(':', '-')]) {
      assert.ok(at(ref) >= 0 && at(ref) < tag, `${name}: ${ref} written before the tag`);
    }
    if ('manifests' in img) for (const c of img.manifests) assert.ok(at(sigTagOf(c.digest)) < tag && at(sigTagOf(c.digest)) >= 0, 'child signed before the tag');
  }
});

test('steady state: a rerun with everything in place writes nothing and reads no more than the lists', async () => {
  const a = buildImage({ seed: 'rec-steady-a' });
  const idx = buildMultiPlatform({ seed: 'rec-steady-i' });
  const manifest = await stage('st', [['a', a], ['i', idx]]);
  const first = await promoteWithTrust(manifest, keyTrust(staging, promoter));
  assert.equal(first.failure, undefined, first.failure?.message);
  for (const p of Object.values(proxies)) p.reset();

  const again = await promoteWithTrust(manifest, keyTrust(staging, promoter));
  assert.equal(again.failure, undefined, again.failure?.message);
  assert.deepEqual(new Set(again.state.trust!.signed.map((w) => w.result)), new Set(['already-present']));
  assert.deepEqual(new Set(again.state.trust!.attested.map((w) => w.result)), new Set(['already-present']));
  const WRITES = new Set(['manifest-put', 'blob-mount', 'upload-start', 'upload-patch', 'upload-put']);
  for (const [name, p] of Object.entries(proxies)) {
    const seen = p.arrivals.filter((x) => x.kind !== 'ping' && x.kind !== 'token');
    assert.deepEqual(seen.filter((x) => WRITES.has(x.kind)), [], `${name}: no write`);
    for (const x of seen) {
      const ref = x.path.split('/').at(-1)!;
      const allowed =
        x.kind === 'tags' || // one list per repository
        (x.kind === 'manifest-head' && ref === 'v1') || // the plan's tag HEADs
        (x.kind === 'referrers' && name === 'm0') || // the referrers API probe of the host
        (x.kind === 'manifest-get' && name === 'm0' && /^sha256-[0-9a-f]{64}$/.test(ref)); // the referrer list (tag schema) of each image
      assert.ok(allowed, `${name}: unexpected ${x.kind} ${x.method} ${x.path}`);
    }
    const lists = seen.filter((x) => x.kind === 'tags').map((x) => x.path);
    assert.equal(new Set(lists).size, lists.length, `${name}: each repository listed once`);
  }
  assert.equal(proxies.m0.arrivals.filter((x) => x.kind === 'referrers').length, 1, 'one referrers probe for the host');
  assert.equal(proxies.m0.arrivals.filter((x) => x.kind === 'manifest-get').length, 2, 'one referrer list per image, not per child');
});
