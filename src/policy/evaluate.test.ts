import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyInput, type PolicyInput } from './attributes.js';
import { vulnThresholdRule, withBuiltins } from './builtin.js';
import { decide } from './evaluate.js';
import { groupsOf } from './groups.js';
import { parsePolicy } from './load.js';

const policy = parsePolicy(
  'p.yaml',
  `apiVersion: kpromo.sigs.k8s.io/v1alpha1
kind: PromotionPolicy
groups:
  rm: [alice@example.com]
roles:
- name: rm
  rules:
  - name: releases
    images: ["kubernetes/*"]
    tags: ["v*"]
    actions: [promote, sign]
- name: owner
  rules:
  - name: own
    condition: '"owners:approvers" in request.groups'
- name: ci
  rules:
  - name: staging-mirror
    destinations: ["staging.example/**"]
    condition: signature.verified && signature.issuer == "https://accounts.google.com"
bindings:
- name: rm
  role: rm
  subjects: [{kind: Group, name: rm}, {kind: User, name: Bob@Example.com}]
- name: owners
  role: owner
  subjects: [{kind: Group, name: "owners:approvers"}]
- name: ci
  role: ci
  subjects: [{kind: WorkloadIdentity, issuer: "https://token.actions.githubusercontent.com", subject: "repo:k/k8s.io:*"}]
deny:
- name: no-latest
  reason: latest moves
  tags: [latest]
- name: broken
  reason: the condition errors
  tags: ["broken-*"]
  condition: image.platforms[5] == "x"
`,
);

function input(over: { edge?: Partial<PolicyInput['edge']>; request?: Partial<PolicyInput['request']>; signature?: Partial<PolicyInput['signature']>; action?: 'promote' | 'sign' }): PolicyInput {
  const base = emptyInput();
  const request = { ...base.request, ...over.request };
  request.groups = groupsOf(policy, request.principal, request.groups);
  return {
    ...base,
    action: over.action ?? 'promote',
    edge: { srcRegistry: 'staging.example/s', srcImage: 'kubernetes/kube-proxy', dstRegistry: 'prod.example/p', dstImage: 'kubernetes/kube-proxy', digest: 'sha256:1', tag: 'v1.0.0', project: 'p', ...over.edge },
    signature: { ...base.signature, ...over.signature },
    request,
  };
}

const cases: { name: string; in: Parameters<typeof input>[0]; allowed: boolean; rule: string }[] = [
  { name: 'group member, matching image and tag', in: { request: { principal: 'alice@example.com' } }, allowed: true, rule: 'rm/releases' },
  { name: 'user subject, case-insensitive email', in: { request: { principal: 'bob@EXAMPLE.com' } }, allowed: true, rule: 'rm/releases' },
  { name: 'sign is granted by the same rule', in: { action: 'sign', request: { principal: 'alice@example.com' } }, allowed: true, rule: 'rm/releases' },
  { name: 'tag outside the pattern', in: { edge: { tag: '1.0' }, request: { principal: 'alice@example.com' } }, allowed: false, rule: 'default-deny' },
  { name: 'tagless edge outside the pattern', in: { edge: { tag: '' }, request: { principal: 'alice@example.com' } }, allowed: false, rule: 'default-deny' },
  { name: 'nested image outside the single-segment glob', in: { edge: { srcImage: 'kubernetes/a/b' }, request: { principal: 'alice@example.com' } }, allowed: false, rule: 'default-deny' },
  { name: 'deny beats allow', in: { edge: { tag: 'latest' }, request: { principal: 'alice@example.com' } }, allowed: false, rule: 'deny/no-latest' },
  { name: 'stranger', in: { request: { principal: 'eve@example.com' } }, allowed: false, rule: 'default-deny' },
  { name: 'nobody', in: {}, allowed: false, rule: 'default-deny' },
  { name: 'owners group from the request', in: { request: { principal: 'eve@example.com', groups: ['owners:approvers'] } }, allowed: true, rule: 'owner/own' },
  {
    name: 'workload identity with a verified signature',
    in: { edge: { dstRegistry: 'staging.example/m/x' }, request: { runnerIssuer: 'https://token.actions.githubusercontent.com', runnerSubject: 'repo:k/k8s.io:ref' }, signature: { verified: true, issuer: 'https://accounts.google.com' } },
    allowed: true,
    rule: 'ci/staging-mirror',
  },
  {
    name: 'workload identity, condition false',
    in: { edge: { dstRegistry: 'staging.example/m/x' }, request: { runnerIssuer: 'https://token.actions.githubusercontent.com', runnerSubject: 'repo:k/k8s.io:ref' } },
    allowed: false,
    rule: 'default-deny',
  },
  {
    name: 'workload identity from another issuer',
    in: { edge: { dstRegistry: 'staging.example/m/x' }, request: { runnerIssuer: 'https://evil', runnerSubject: 'repo:k/k8s.io:ref' }, signature: { verified: true, issuer: 'https://accounts.google.com' } },
    allowed: false,
    rule: 'default-deny',
  },
];

for (const c of cases) {
  test(`decide: ${c.name}`, () => {
    const d = decide(policy, input(c.in));
    assert.equal(d.allowed, c.allowed, d.reason);
    assert.equal(d.rule, c.rule);
  });
}

test('decide: a deny rule whose condition errors denies (fail closed), and the decision says why', () => {
  const d = decide(policy, input({ edge: { tag: 'broken-1' }, request: { principal: 'alice@example.com' } }));
  assert.equal(d.allowed, false, JSON.stringify(d));
  assert.equal(d.rule, 'deny/broken');
  assert.match(d.reason, /could not be evaluated, so it denies/);
  assert.ok(d.errors?.some((e) => e.startsWith('deny/broken:')), JSON.stringify(d));
});

test('decide: the --vuln-severity-threshold rule denies at or above the threshold only', () => {
  const p = withBuiltins(undefined, [vulnThresholdRule(4)]);
  const i = input({});
  assert.equal(decide(p, i).allowed, true);
  assert.equal(decide(p, { ...i, vulnerabilities: { ...i.vulnerabilities, known: true, medium: 9 } }).allowed, true);
  const high = decide(p, { ...i, vulnerabilities: { ...i.vulnerabilities, known: true, high: 1 } });
  assert.deepEqual([high.allowed, high.rule], [false, 'deny/vuln-severity-threshold']);
  assert.match(high.reason, /HIGH or higher/);
});
