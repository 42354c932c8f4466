/**
 * The policy phase after the trust phases, on Distribution: `provenance.*` and `signature.*`
 * come from what the provenance and validate phases verified; an image without provenance from
 * the expected builder is denied and not written, the one with it is promoted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeySigner } from '../../src/signing/key-signer.js';
import { parsePolicy } from '../../src/policy/load.js';
import { buildImage, fetchManifest, pushImage, type ImageData } from '../support/seed.js';
import { promote, writeManifest } from '../e2e/harness.js';
import { keyTrust, newKey, startTrustEnv, type TrustEnv } from './harness.js';
import { slsaV1, stageProvenance, stageSignature } from './seed-trust.js';

const GOOD = 'https://builder.example/good';
let env: TrustEnv;
let withProv: ImageData, without: ImageData;
const staging = newKey();

before(async () => {
  env = await startTrustEnv('distribution');
  withProv = buildImage({ seed: 'policy-prov' });
  without = buildImage({ seed: 'policy-noprov' });
  await pushImage(env.staging, 'staging/a', withProv, 'v1');
  await pushImage(env.staging, 'staging/b', without, 'v1');
  const signer = createKeySigner(staging.privateKey);
  await stageProvenance(env.client, env.staging.host, 'staging/a', withProv.digest, slsaV1(withProv.digest, GOOD, 'https://github.com/o/r'), signer);
  await stageSignature(env.client, env.staging.host, 'staging/a', withProv.digest, signer);
});
after(() => env.stop());

const policy = parsePolicy(
  'policy.yaml',
  `apiVersion: kpromo.sigs.k8s.io/v1alpha1
kind: PromotionPolicy
roles:
- name: releaser
  rules:
  - name: signed
    condition: signature.verified
bindings:
- name: ci
  role: releaser
  subjects: [{kind: User, name: ci@example.com}]
deny:
- name: needs-provenance
  reason: production needs provenance from the good builder
  condition: '!(provenance.verified && provenance.builderId == "${GOOD}")'
`,
);

test('policy after trust: verified provenance and signature allow one image; the other is denied by the rule and not written', async () => {
  const mirror = env.mirrors[0]!;
  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${mirror.host}/prod`], [
    { name: 'a', dmap: { [withProv.digest]: ['v1'] } },
    { name: 'b', dmap: { [without.digest]: ['v1'] } },
  ]);
  const r = await promote(manifest, { trust: keyTrust(staging, undefined), policy: { policy, request: { principal: 'ci@example.com' }, signs: false } });
  const decisions = (r.report.policy as { decisions: { edge: string; result: string; rule: string }[] }).decisions.map((d) => [d.edge.split('/').at(-1), d.result, d.rule]);
  assert.deepEqual(decisions, [
    ['a:v1', 'allow', 'releaser/signed'],
    ['b:v1', 'deny', 'deny/needs-provenance'],
  ]);
  assert.ok(r.failure, 'a denied edge fails the run');
  assert.equal((await fetchManifest(mirror, 'prod/a', 'v1')).status, 200);
  assert.equal((await fetchManifest(mirror, 'prod/b', 'v1')).status, 404);
  const b = r.state.outcomes!.find((o) => o.edge.srcImage === 'b')!;
  assert.equal(b.outcome, 'failed');
  assert.match(b.error!, /policy deny\/needs-provenance: production needs provenance from the good builder/);
});

test('policy after trust: an image already at its destination is left unsigned (not refused) when the policy denies sign for it', async () => {
  const mirror = env.mirrors[0]!;
  const present = buildImage({ seed: 'policy-present-unsigned' });
  await pushImage(env.staging, 'staging/c', present, 'v1');
  await pushImage(mirror, 'prod/c', present, 'v1');
  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${mirror.host}/prod`], [{ name: 'c', dmap: { [present.digest]: ['v1'] } }]);
  const signOnly = parsePolicy(
    'policy.yaml',
    `apiVersion: kpromo.sigs.k8s.io/v1alpha1
kind: PromotionPolicy
roles:
- name: releaser
  rules:
  - name: everything
bindings:
- name: ci
  role: releaser
  subjects: [{kind: User, name: ci@example.com}]
deny:
- name: sign-needs-provenance
  reason: only images with provenance are signed
  actions: [sign]
  condition: '!provenance.verified'
`,
  );
  const r = await promote(manifest, { trust: keyTrust(staging, newKey()), policy: { policy: signOnly, request: { principal: 'ci@example.com' }, signs: true } });
  const decisions = (r.report.policy as { decisions: { edge: string; action: string; result: string; rule: string }[] }).decisions.map((d) => [d.edge.split('/').at(-1), d.action, d.result, d.rule]);
  assert.deepEqual(decisions, [['c:v1', 'sign', 'deny', 'deny/sign-needs-provenance']]);
  assert.equal(r.failure, undefined, 'an image promoted before is not refused: it is only left unsigned');
  assert.deepEqual(r.state.outcomes?.map((o) => o.outcome), ['already-present']);
  assert.deepEqual(r.state.trust?.signed ?? [], [], 'nothing is signed');
  assert.deepEqual(r.state.trust?.attested ?? [], [], 'nor attested');
  assert.ok(r.logger.records.some((l) => l.level === 'warn' && /not signed: sign denied by deny\/sign-needs-provenance/.test(l.msg)), 'the denial is logged');
  const tags = (await (await fetch(`${mirror.url}/v2/prod/c/tags/list`)).json()) as { tags: string[] };
  assert.deepEqual(tags.tags, ['v1'], 'no signature tag is written');
});
