import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests } from '../manifest/load.js';
import { manifestsToEdges } from '../plan/edges.js';
import type { Edge } from '../plan/edge.js';
import { OWNERS_APPROVERS, OWNERS_REVIEWERS } from './groups.js';
import { parsePolicy } from './load.js';
import { OriginIndex } from './origin.js';
import { Principals } from './principal.js';
import { policyCheck } from '../cli/commands/policy-check.js';
import { gitIn } from '../../test/support/git.js';

let repo: string;
const D = (c: string) => `sha256:${c.repeat(64)}`;
const REGS = 'registries:\n- name: staging.example/p\n  src: true\n- name: prod.example/p\n';

const git = (args: string[], author?: string): string => gitIn(repo, args, { author });
function commit(author: string, files: Record<string, string>): string {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(repo, p, '..'), { recursive: true });
    writeFileSync(join(repo, p), content);
  }
  git(['add', '-A']);
  git(['commit', '-q', '-m', `by ${author}`], author);
  return git(['rev-parse', 'HEAD']).trim();
}
const images = (rows: [string, string, string][]) => rows.map(([name, c, tag]) => `- name: ${name}\n  dmap:\n    "${D(c)}": ["${tag}"]\n`).join('');

const policy = parsePolicy(
  'p.yaml',
  `apiVersion: kpromo.sigs.k8s.io/v1alpha1
kind: PromotionPolicy
groups:
  release-managers: [alice@example.com]
handles:
  dave@example.com: dave-gh
roles:
- name: owner
  rules:
  - name: own
    condition: '"owners:approvers" in request.groups'
- name: rm
  rules:
  - name: all
bindings:
- {name: owners, role: owner, subjects: [{kind: Group, name: "owners:approvers"}]}
- {name: rm, role: rm, subjects: [{kind: Group, name: release-managers}]}
`,
);

let first: string;
before(() => {
  repo = mkdtempSync(join(tmpdir(), 'kpromo-principal-'));
  git(['init', '-q']);
  first = commit('alice@example.com', {
    'reg/OWNERS_ALIASES': 'aliases:\n  a-maintainers:\n    - dave-gh\n',
    'reg/manifests/a/promoter-manifest.yaml': REGS,
    'reg/manifests/a/OWNERS': 'approvers:\n  - carol-gh\nreviewers:\n  - a-maintainers\n',
    'reg/images/a/images.yaml': images([['x', '1', 'v1']]),
  });
  // carol (an approver of project a, by her GitHub noreply address) adds digest 2
  commit('12345+carol-gh@users.noreply.github.com', { 'reg/images/a/images.yaml': images([['x', '1', 'v1'], ['x', '2', 'v2']]) });
  // dave (a reviewer through the alias, known by the policy's handles) adds digest 3
  commit('dave@example.com', { 'reg/images/a/images.yaml': images([['x', '1', 'v1'], ['x', '2', 'v2'], ['x', '3', 'v3']]) });
});
after(() => rmSync(repo, { recursive: true, force: true }));

async function setup(): Promise<{ origins: OriginIndex; edges: Edge[] }> {
  const { manifests } = await loadManifests({ thinManifestDir: join(repo, 'reg') });
  return { origins: new OriginIndex(manifests), edges: manifestsToEdges(manifests).edges };
}

const byDigest = (edges: Edge[], c: string): Edge => edges.find((e) => e.digest === D(c))!;

test('principal: the author of the commit that added each digest line, with the line it came from', async () => {
  const { origins, edges } = await setup();
  const p = new Principals(policy, origins, {});
  const table: [string, string, string[], number][] = [
    ['1', 'alice@example.com', ['release-managers'], 3],
    ['2', '12345+carol-gh@users.noreply.github.com', [OWNERS_APPROVERS, OWNERS_REVIEWERS], 6],
    ['3', 'dave@example.com', [OWNERS_REVIEWERS], 9],
  ];
  for (const [c, who, groups, line] of table) {
    const a = await p.of(byDigest(edges, c));
    assert.equal(a.request.principal, who, c);
    assert.equal(a.request.principalSource, 'git-blame');
    assert.deepEqual(a.request.groups.sort(), groups.sort(), c);
    assert.equal(a.from, `git blame ${join(repo, 'reg/images/a/images.yaml')}:${line}`);
  }
});

test('principal: --principal and --group override git blame for every edge', async () => {
  const { origins, edges } = await setup();
  const a = await new Principals(policy, origins, { principal: 'CI@example.com', groups: ['ci'] }).of(byDigest(edges, '2'));
  assert.deepEqual([a.request.principal, a.request.principalSource, a.from], ['ci@example.com', 'flag', '--principal']);
  assert.deepEqual(a.request.groups, ['ci']);
});

test('principal: an uncommitted digest line has no principal', async () => {
  writeFileSync(join(repo, 'reg/images/a/images.yaml'), images([['x', '1', 'v1'], ['x', '2', 'v2'], ['x', '3', 'v3'], ['x', '4', 'v4']]));
  try {
    const { origins, edges } = await setup();
    const a = await new Principals(policy, origins, {}).of(byDigest(edges, '4'));
    assert.deepEqual([a.request.principal, a.request.principalSource], ['', 'none']);
  } finally {
    git(['checkout', '--', '.']);
  }
});

test('policy check: decides only the edges added since the base, by their authors', async () => {
  const r = await policyCheck({
    manifests: { thinManifestDir: join(repo, 'reg') },
    base: { rev: first },
    policy,
    request: {},
    actions: ['promote'],
    env: {},
  });
  const got = r.decisions.map((d) => [d.edge.tag, d.principal, d.decision.allowed ? 'allow' : 'deny', d.decision.rule]);
  assert.deepEqual(got, [
    ['v2', '12345+carol-gh@users.noreply.github.com', 'allow', 'owner/own'],
    ['v3', 'dave@example.com', 'deny', 'default-deny'],
  ]);
});

test('policy check: OWNERS are read as they were at the base, so a change cannot make its own author an owner', async () => {
  const before = git(['rev-parse', 'HEAD']).trim();
  // mallory adds a digest and, in the same change, makes herself an approver of project a
  commit('mallory@example.com', {
    'reg/images/a/images.yaml': images([['x', '1', 'v1'], ['x', '2', 'v2'], ['x', '3', 'v3'], ['x', '5', 'v5']]),
    'reg/manifests/a/OWNERS': 'approvers:\n  - carol-gh\n  - mallory@example.com\nreviewers:\n  - a-maintainers\n',
  });
  try {
    const r = await policyCheck({ manifests: { thinManifestDir: join(repo, 'reg') }, base: { rev: before }, policy, request: {}, actions: ['promote'], env: {} });
    assert.deepEqual(r.decisions.map((d) => [d.edge.tag, d.principal, d.decision.allowed ? 'allow' : 'deny']), [['v5', 'mallory@example.com', 'deny']]);
    // the working tree's OWNERS (what a run not scoped to a change reads) would have let her in
    const { origins, edges } = await setup();
    const a = await new Principals(policy, origins, {}).of(byDigest(edges, '5'));
    assert.ok(a.request.groups.includes(OWNERS_APPROVERS));
    const atBase = await new Principals(policy, origins, { ownersAt: before }).of(byDigest(edges, '5'));
    assert.ok(!atBase.request.groups.includes(OWNERS_APPROVERS));
  } finally {
    git(['reset', '-q', '--hard', before]);
  }
});
