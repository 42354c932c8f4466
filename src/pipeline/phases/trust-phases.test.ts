import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag } from '../../image/ref.js';
import { MemoryLogger } from '../../log.js';
import { classify } from '../../plan/classify.js';
import type { Edge } from '../../plan/edge.js';
import { readInventory } from '../../plan/inventory.js';
import { MemoryRegistryClient, WRITE_OPS } from '../../registry/memory/client.js';
import { MemoryStore } from '../../registry/store/memory.js';
import { buildImage, buildMultiPlatform, putImage, putIndex } from '../../registry/memory/fixtures.js';
import { memorySigner } from '../../signing/memory.js';
import { buildSimpleSigningPayload } from '../../signing/simple-signing.js';
import { cosignAnnotations, buildSigImage, sigTag } from '../../signing/sig-image.js';
import { pushImage } from '../../signing/registry-io.js';
import { runPromotion } from '../promoter.js';
import { newPromotionState, type PromotionState } from '../state.js';
import { attestPhase } from './attest.js';
import { signPhase } from './sign.js';
import { memoryTrust } from './memory-trust.js';
import type { TrustConfig } from './trust.js';
import { validatePhase } from './validate.js';

const edge = (name: string, d: string, dst: string): Edge => ({
  srcRegistry: registryName('staging.local/s'),
  srcImage: imageName(name),
  dstRegistry: registryName(dst),
  dstImage: imageName(name),
  digest: digest(d),
  tag: tag('v1'),
});

const cfg = (over: Partial<TrustConfig> = {}): TrustConfig => memoryTrust({ maxOps: 2, ...over });

async function setup() {
  const stores = { 'staging.local': new MemoryStore(), 'a.local': new MemoryStore(), 'b.local': new MemoryStore() };
  const client = new MemoryRegistryClient({ hosts: stores });
  const imgs = { ok: buildImage({ seed: 'ok' }), bad: buildImage({ seed: 'bad' }), none: buildImage({ seed: 'none' }), multi: buildMultiPlatform({ seed: 'm' }) };
  await putImage(stores['staging.local'], 's/ok', imgs.ok, 'v1');
  await putImage(stores['staging.local'], 's/bad', imgs.bad, 'v1');
  await putImage(stores['staging.local'], 's/none', imgs.none, 'v1');
  await putIndex(stores['staging.local'], 's/multi', imgs.multi, 'v1');
  const stage = async (name: string, d: string, by: string) => {
    const payload = buildSimpleSigningPayload(`staging.local/s/${name}`, digest(d));
    const msg = await memorySigner(by).signMessage(payload);
    await pushImage(client, { host: 'staging.local', repository: `s/${name}` }, buildSigImage([{ payload, annotations: cosignAnnotations(msg) }]), sigTag(digest(d)));
  };
  await stage('ok', imgs.ok.digest, 'builder');
  await stage('bad', imgs.bad.digest, 'mallory');
  const edges = Object.entries(imgs).flatMap(([n, i]) => [edge(n, i.digest, 'a.local/p'), edge(n, i.digest, 'b.local/p')]);
  const state: PromotionState = newPromotionState({ manifests: {}, confirm: true, parseOnly: false }, { registry: client, logger: new MemoryLogger() });
  state.edges = edges;
  state.inventory = await readInventory(client, edges, { logger: new MemoryLogger() });
  state.plan = classify(edges, state.inventory);
  return { client, imgs, state, stores };
}

test('validate: each source digest verified once; a foreign signature refuses only that image; unsigned passes unless required', async () => {
  const { client, imgs, state } = await setup();
  const before = client.history.length;
  await validatePhase(cfg()).run(state, new AbortController().signal);
  const decisions = Object.fromEntries(state.plan!.edges.map((p) => [`${p.edge.srcImage}>${p.edge.dstRegistry}`, p.decision.kind]));
  assert.deepEqual(decisions, {
    'ok>a.local/p': 'promote', 'ok>b.local/p': 'promote',
    'bad>a.local/p': 'refused', 'bad>b.local/p': 'refused',
    'none>a.local/p': 'promote', 'none>b.local/p': 'promote',
    'multi>a.local/p': 'promote', 'multi>b.local/p': 'promote',
  });
  const calls = client.history.slice(before);
  assert.equal(calls.filter((c) => c.op === 'listTags').length, 4, 'one tag list per source repository');
  const sigReads = calls.filter((c) => c.reference?.endsWith('.sig')).map((c) => `${c.op} ${c.repository}`);
  assert.deepEqual(sigReads.sort(), ['getManifest s/bad', 'getManifest s/ok'], 'a .sig is read only where it exists, once per source digest');
  assert.equal(state.trust!.signatures.size, 4);
  assert.equal(client.history.slice(before).filter((c) => WRITE_OPS.includes(c.op)).length, 0, 'validate writes nothing');

  const { state: s2, imgs: i2 } = await setup();
  await validatePhase(cfg({ requireSignatures: true })).run(s2, new AbortController().signal);
  const refused = s2.plan!.edges.filter((p) => p.decision.kind === 'refused').map((p) => p.edge.digest);
  assert.deepEqual(new Set(refused), new Set([i2.bad.digest, i2.none.digest, i2.multi.digest]));
  void imgs;
});

test('sign + attest on the memory registry: index and children signed once on the canonical destination, attestation once per digest, rerun adds nothing', async () => {
  const { client, imgs, state, stores } = await setup();
  const promoted = [imgs.ok, imgs.multi];
  state.outcomes = state.plan!.edges
    .filter((p) => promoted.some((i) => i.digest === p.edge.digest))
    .map((p) => ({ edge: p.edge, outcome: 'promoted' as const }));
  // The images as the promote phase leaves them.
  for (const host of ['a.local', 'b.local'] as const) {
    await putImage(stores[host], 'p/ok', imgs.ok, 'v1');
    await putIndex(stores[host], 'p/multi', imgs.multi, 'v1');
  }
  const signal = new AbortController().signal;
  await signPhase(cfg()).run(state, signal);
  await attestPhase(cfg()).run(state, signal);
  const t = state.trust!;
  assert.equal(t.signed.length, 2 + imgs.multi.manifests.length);
  assert.ok(t.signed.every((w) => w.result === 'written' && w.ref.startsWith('a.local/')), JSON.stringify(t.signed));
  assert.equal(t.attested.length, 2);
  assert.ok(await client.headManifest({ host: 'a.local', repository: 'p/ok' }, sigTag(digest(imgs.ok.digest))));
  assert.equal(await client.headManifest({ host: 'b.local', repository: 'p/ok' }, sigTag(digest(imgs.ok.digest))), undefined);
  // The staging signature of `ok` came along: the canonical .sig has the builder's layer and ours.
  const sig = await client.getManifest({ host: 'a.local', repository: 'p/ok' }, sigTag(digest(imgs.ok.digest)));
  assert.equal(JSON.parse(Buffer.from(sig.bytes).toString()).layers.length, 2);

  // A real rerun: a fresh run of every phase, planned from what the registries now hold.
  const before = client.history.length;
  const edges = state.edges!.filter((e) => promoted.some((i) => i.digest === e.digest));
  const loadPlan = async () => ({ manifests: [{ file: 'm.yaml', registries: [], images: [] }], edges, warnings: [], summary: { manifests: 1, images: 2, digests: 2, tags: 1, edges: edges.length }, redundant: 0 });
  const rerun = await runPromotion({ manifests: {}, confirm: true, parseOnly: false }, { registry: client, logger: new MemoryLogger(), loadPlan }, { trust: cfg() });
  assert.equal(rerun.failure, undefined, rerun.failure?.message);
  assert.deepEqual(new Set(rerun.state.outcomes!.map((o) => o.outcome)), new Set(['already-present']));
  assert.equal(client.history.slice(before).filter((c) => WRITE_OPS.includes(c.op)).length, 0, 'rerun writes nothing');
  assert.equal(rerun.state.trust!.signed.length, 2, 'a signed index stands for its children (signed before it): nothing per child');
  assert.ok(rerun.state.trust!.signed.every((w) => w.result === 'already-present'), JSON.stringify(rerun.state.trust!.signed));
  assert.ok(rerun.state.trust!.attested.every((w) => w.result === 'already-present'));
});

test('sign and attest do nothing with --sign=false', async () => {
  const { client, state } = await setup();
  state.outcomes = state.plan!.edges.map((p) => ({ edge: p.edge, outcome: 'promoted' as const }));
  const before = client.history.length;
  await signPhase(cfg({ signer: undefined })).run(state, new AbortController().signal);
  await attestPhase(cfg({ signer: undefined })).run(state, new AbortController().signal);
  assert.equal(client.history.length, before);
});

test('a child digest also promoted on its own is signed once', async () => {
  const { imgs, state, stores } = await setup();
  const child = imgs.multi.manifests[0]!;
  for (const host of ['a.local', 'b.local'] as const) await putIndex(stores[host], 'p/multi', imgs.multi, 'v1');
  const multiEdge = state.plan!.edges.find((p) => p.edge.digest === imgs.multi.digest)!.edge;
  state.outcomes = [
    { edge: multiEdge, outcome: 'promoted' },
    { edge: { ...multiEdge, digest: digest(child.digest), tag: null }, outcome: 'promoted' },
  ];
  await signPhase(cfg()).run(state, new AbortController().signal);
  const refs = state.trust!.signed.map((w) => w.ref);
  assert.equal(refs.length, 1 + imgs.multi.manifests.length);
  assert.equal(new Set(refs).size, refs.length);
  assert.ok(state.trust!.signed.every((w) => w.result === 'written'));
});
