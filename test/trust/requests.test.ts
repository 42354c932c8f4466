/**
 * Requests of the trust phases per source digest, counted on the memory registry, with and
 * without the referrers API: unsigned staging images cost nothing beyond one tag list per
 * repository (and one referrers probe per host without the API), while `.sig` signatures,
 * bundle signatures and `.att` provenance are still found and verified; sign and attest skip
 * lookups but never overwrite what they did not read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag } from '../../src/image/ref.js';
import { MemoryLogger } from '../../src/log.js';
import { attestPhase } from '../../src/pipeline/phases/attest.js';
import { provenancePhase } from '../../src/pipeline/phases/provenance.js';
import { signPhase } from '../../src/pipeline/phases/sign.js';
import { validatePhase } from '../../src/pipeline/phases/validate.js';
import { newPromotionState } from '../../src/pipeline/state.js';
import { classify } from '../../src/plan/classify.js';
import type { Edge } from '../../src/plan/edge.js';
import { readInventory } from '../../src/plan/inventory.js';
import { MemoryRegistryClient, type MemoryCall } from '../../src/registry/memory/client.js';
import { buildImage, putImage } from '../../src/registry/memory/fixtures.js';
import { MemoryStore } from '../../src/registry/store/memory.js';
import { COSIGN_SIGN_PREDICATE_TYPE } from '../../src/signing/check.js';
import { createKeySigner } from '../../src/signing/key-signer.js';
import { TagIndex } from '../../src/signing/tag-index.js';
import { keyTrust, newKey } from './harness.js';
import { slsaV1, stageAttTag, stageProvenance, stageSignature } from './seed-trust.js';

const STAGING = 'staging.local';
const NAMES = ['plain1', 'plain2', 'plain3', 'sig', 'bundle', 'att'] as const;

/** Staging holds six images, each in its own repository; three carry trust material. */
async function setup(referrers: boolean) {
  const stores = { [STAGING]: new MemoryStore(), 'a.local': new MemoryStore() };
  const client = new MemoryRegistryClient({ hosts: stores, referrers });
  const key = newKey();
  const signer = createKeySigner(key.privateKey);
  const imgs = Object.fromEntries(NAMES.map((n) => [n, buildImage({ seed: `req-${n}` })])) as Record<(typeof NAMES)[number], ReturnType<typeof buildImage>>;
  for (const n of NAMES) await putImage(stores[STAGING], `s/${n}`, imgs[n], 'v1');
  await stageSignature(client, STAGING, 's/sig', imgs.sig.digest, signer);
  const signStatement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: imgs.bundle.digest.slice(7) } }], predicateType: COSIGN_SIGN_PREDICATE_TYPE, predicate: {} };
  await stageProvenance(client, STAGING, 's/bundle', imgs.bundle.digest, signStatement, signer);
  await stageAttTag(client, STAGING, 's/att', imgs.att.digest, slsaV1(imgs.att.digest, 'https://builder', 'https://github.com/x/y'), signer);
  const edges: Edge[] = NAMES.map((n) => ({
    srcRegistry: registryName(`${STAGING}/s`), srcImage: imageName(n), dstRegistry: registryName('a.local/p'), dstImage: imageName(n),
    digest: digest(imgs[n].digest), tag: tag('v1'),
  }));
  const state = newPromotionState({ manifests: {}, confirm: true, parseOnly: false }, { registry: new MemoryRegistryClient({ hosts: stores, referrers }), logger: new MemoryLogger() });
  const reader = state.deps.registry as MemoryRegistryClient;
  state.edges = edges;
  state.inventory = await readInventory(reader, edges, { logger: new MemoryLogger() });
  state.plan = classify(edges, state.inventory);
  reader.resetCalls();
  return { reader, imgs, state, cfg: keyTrust(key, undefined) };
}

/** Calls on the staging host that concern image `n` (its repository). */
const about = (calls: MemoryCall[], n: string) => calls.filter((c) => c.host === STAGING && c.repository === `s/${n}`).map((c) => `${c.op} ${c.reference ?? ''}`.trim());

for (const referrers of [false, true]) {
  test(`provenance + validate (${referrers ? 'with' : 'without'} the referrers API): unsigned digests cost one tag list; signatures and provenance are still found`, async () => {
    const { reader, imgs, state, cfg } = await setup(referrers);
    const signal = new AbortController().signal;
    await provenancePhase(cfg).run(state, signal);
    await validatePhase(cfg).run(state, signal);

    const key = (n: (typeof NAMES)[number]) => `${STAGING}/s/${n}@${imgs[n].digest}`;
    const t = state.trust!;
    assert.deepEqual(NAMES.map((n) => t.signatures.get(key(n))?.status), ['unsigned', 'unsigned', 'unsigned', 'verified', 'verified', 'unsigned']);
    assert.deepEqual(NAMES.map((n) => t.provenance.get(key(n))?.status), ['absent', 'absent', 'absent', 'absent', 'absent', 'verified']);
    assert.ok(state.plan!.edges.every((p) => p.decision.kind === 'promote'));

    const calls = reader.history;
    assert.equal(reader.calls.headManifest, 0, 'no HEAD of a tag the listing shows absent');
    assert.equal(reader.calls.listTags, NAMES.length, 'one tag list per source repository');
    const referrersOf = (n: (typeof NAMES)[number]) => about(calls, n).filter((c) => c.startsWith('listReferrers'));
    if (referrers) {
      // Bundles are only discoverable through the API: asked once per digest, shared by both phases.
      for (const n of NAMES) assert.deepEqual(referrersOf(n), [`listReferrers ${imgs[n].digest}`], n);
    } else {
      // One probe for the host (the first digest), then only the digest whose fallback tag exists.
      assert.deepEqual(NAMES.map((n) => referrersOf(n).length), [1, 0, 0, 0, 1, 0]);
    }
    for (const n of ['plain2', 'plain3'] as const) {
      assert.deepEqual(about(calls, n).sort(), [...(referrers ? [`listReferrers ${imgs[n].digest}`] : []), `listTags`], `${n}: nothing but the listing`);
    }
    const sigTag = `${imgs.sig.digest.replace(':', '-')}.sig`;
    const attTag = `${imgs.att.digest.replace(':', '-')}.att`;
    assert.deepEqual(about(calls, 'sig').filter((c) => c.startsWith('getManifest')), [`getManifest ${sigTag}`], '.sig read once, by GET');
    assert.deepEqual(about(calls, 'att').filter((c) => c.startsWith('getManifest')), [`getManifest ${attTag}`], '.att read once (provenance only)');
  });
}

test('sign + attest: no staging .sig lookup where the listing shows none; a stale "absent" never drops a destination signature', async () => {
  const { reader, imgs, state, cfg: base } = await setup(false);
  const signal = new AbortController().signal;
  const promoter = newKey();
  const cfg = { ...base, signer: createKeySigner(promoter.privateKey) };
  const dst = { host: 'a.local', repository: 'p/plain1' };
  // The images as the promote phase leaves them.
  for (const n of NAMES) await putImage(reader.store('a.local'), `p/${n}`, imgs[n], 'v1');
  state.outcomes = state.plan!.edges.map((p) => ({ edge: p.edge, outcome: 'promoted' as const }));
  // The run's index believes p/plain1 holds only v1; someone else then signs the image there.
  state.trustTags = new TagIndex(reader);
  state.trustTags.seed(dst, ['v1']);
  await stageSignature(reader, 'a.local', 'p/plain1', imgs.plain1.digest, createKeySigner(newKey().privateKey));
  reader.resetCalls();
  await signPhase(cfg).run(state, signal);
  await attestPhase(cfg).run(state, signal);

  assert.ok(state.trust!.signed.every((w) => w.result === 'written') && state.trust!.signed.length === NAMES.length, JSON.stringify(state.trust!.signed));
  assert.ok(state.trust!.attested.every((w) => w.result === 'written'));
  const sigOf = async (n: string, d: string) => JSON.parse(Buffer.from((await reader.getManifest({ host: 'a.local', repository: `p/${n}` }, `${d.replace(':', '-')}.sig`)).bytes).toString()).layers.length;
  assert.equal(await sigOf('plain1', imgs.plain1.digest), 2, 'the foreign signature is kept beside ours');
  assert.equal(await sigOf('sig', imgs.sig.digest), 2, "the staging signature came along");
  assert.equal(await sigOf('plain2', imgs.plain2.digest), 1);
  const stagingSigReads = reader.history.filter((c) => c.host === STAGING && c.reference?.endsWith('.sig')).map((c) => c.repository);
  assert.deepEqual([...new Set(stagingSigReads)], ['s/sig'], 'staging is asked for a .sig only where one exists');
  const imageReads = reader.history.filter((c) => c.op === 'getManifest' && NAMES.some((n) => c.reference === imgs[n].digest));
  assert.equal(imageReads.length, 0, "the promoted manifests are the plan's, not read again");
});
