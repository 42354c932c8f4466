import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, validate } from 'graphql';
import type { CommitPull } from '../gitops/github.js';
import { commitPullsOf, commitPullsQuery } from '../gitops/github.js';
import { MemoryGitHub } from '../gitops/memory-github.js';
import { loadManifests } from '../manifest/load.js';
import { manifestsToEdges } from '../plan/edges.js';
import { gitIn } from '../../test/support/git.js';
import { githubGraphqlSchema } from '../../test/support/github-fake.js';
import { decideEdges } from './engine.js';
import { askersOf, principalOfLogin } from './github-principal.js';
import { parsePolicy } from './load.js';
import { OriginIndex } from './origin.js';
import { Principals } from './principal.js';

const pull = (number: number, author: string, merged: boolean, state: 'open' | 'closed' = merged ? 'closed' : 'open'): CommitPull => ({ number, author, merged, state });

test('askersOf: the merged pull requests ask; before any merge, the open ones; closed unmerged ones never; a deleted account asks as no one', () => {
  const table: [string, CommitPull[], string[]][] = [
    ['merged', [pull(7, 'Alice', true)], ['alice#7']],
    ['merged wins over open', [pull(9, 'mallory', false), pull(7, 'alice', true)], ['alice#7']],
    ['open only (presubmit)', [pull(9, 'bob', false), pull(8, 'carol', false)], ['carol#8', 'bob#9']],
    ['closed unmerged', [pull(5, 'eve', false, 'closed')], []],
    ['deleted account', [pull(6, '', true)], ['#6']],
    // a deleted author is not dropped: the other author alone must not decide for both
    ['deleted account beside another', [pull(6, '', true), pull(8, 'alice', true)], ['#6', 'alice#8']],
    ['one login once', [pull(3, 'alice', true), pull(4, 'ALICE', true)], ['alice#3']],
    ['none', [], []],
  ];
  for (const [name, pulls, want] of table) assert.deepEqual(askersOf(pulls).map((a) => `${a.login}#${a.pull}`), want, name);
});

test("principalOfLogin: the policy's email for that handle, else the login's GitHub no-reply address", () => {
  const handles = new Map([['alice@example.com', 'alice'], ['a2@example.com', 'alice']]);
  assert.equal(principalOfLogin({ handles }, 'Alice'), 'a2@example.com');
  assert.equal(principalOfLogin({ handles }, 'bob'), 'bob@users.noreply.github.com');
});

test("the commits query is valid against GitHub's published GraphQL schema, and its answer is read per commit", () => {
  const schema = githubGraphqlSchema();
  const shas = ['a'.repeat(40), 'b'.repeat(40)];
  const { query, variables } = commitPullsQuery('kubernetes', 'k8s.io', shas);
  assert.deepEqual(validate(schema, parse(query)).map((e) => e.message), []);
  assert.deepEqual(variables, { owner: 'kubernetes', name: 'k8s.io', c0: shas[0], c1: shas[1] });
  const here = { nameWithOwner: 'Kubernetes/K8s.io' };
  const got = commitPullsOf('kubernetes', 'k8s.io', shas, {
    repository: {
      c0: {
        associatedPullRequests: {
          nodes: [
            { number: 7, state: 'MERGED', merged: true, author: { login: 'alice' }, repository: here },
            null,
            { number: 9, state: 'OPEN', merged: false, author: null, repository: here },
            // a pull request of another repository of the fork network carrying the same commit asks for nothing here
            { number: 3, state: 'MERGED', merged: true, author: { login: 'trusted-bot' }, repository: { nameWithOwner: 'mallory/k8s.io' } },
          ],
        },
      },
      c1: null,
    },
  });
  assert.deepEqual(Object.fromEntries(got), { [shas[0]!]: [pull(7, 'alice', true), pull(9, '', false)], [shas[1]!]: [] });
  // before the merge, a merged pull request in a fork must not outrank the open one here
  const presubmit = commitPullsOf('kubernetes', 'k8s.io', [shas[0]!], {
    repository: {
      c0: {
        associatedPullRequests: {
          nodes: [
            { number: 3, state: 'MERGED', merged: true, author: { login: 'trusted-bot' }, repository: { nameWithOwner: 'mallory/k8s.io' } },
            { number: 12, state: 'OPEN', merged: false, author: { login: 'mallory' }, repository: here },
          ],
        },
      },
    },
  });
  assert.deepEqual(askersOf(presubmit.get(shas[0]!)!).map((a) => a.login), ['mallory']);
});

// A manifests repository where mallory commits under alice's email (git does not check it).
let repo: string;
const commits: Record<string, string> = {};
const D = (c: string) => `sha256:${c.repeat(64)}`;
const git = (args: string[], author?: string): string => gitIn(repo, args, { author });
function commit(name: string, author: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(repo, p, '..'), { recursive: true });
    writeFileSync(join(repo, p), content);
  }
  git(['add', '-A']);
  git(['commit', '-q', '-m', name], author);
  commits[name] = git(['rev-parse', 'HEAD']).trim();
}
const images = (cs: string[]) => `- name: x\n  dmap:\n${cs.map((c) => `    "${D(c)}": ["v${c}"]\n`).join('')}`;

before(() => {
  repo = mkdtempSync(join(tmpdir(), 'kpromo-gh-principal-'));
  git(['init', '-q']);
  commit('first', 'alice@example.com', {
    'reg/manifests/a/promoter-manifest.yaml': 'registries:\n- name: staging.example/p\n  src: true\n- name: prod.example/p\n',
    'reg/manifests/a/OWNERS': 'approvers:\n  - carol\n',
    'reg/images/a/images.yaml': images(['1']),
  });
  commit('spoofed', 'alice@example.com', { 'reg/images/a/images.yaml': images(['1', '2']) });
  commit('direct', 'alice@example.com', { 'reg/images/a/images.yaml': images(['1', '2', '3']) });
  commit('owner', 'someone@example.com', { 'reg/images/a/images.yaml': images(['1', '2', '3', '4']) });
});
after(() => rmSync(repo, { recursive: true, force: true }));

const policy = parsePolicy(
  'p.yaml',
  `apiVersion: kpromo.sigs.k8s.io/v1alpha1
kind: PromotionPolicy
groups:
  release-managers: [alice@example.com]
handles:
  alice@example.com: alice
roles:
- name: all
  rules: [{name: all}]
bindings:
- {name: rm, role: all, subjects: [{kind: Group, name: release-managers}]}
- {name: owners, role: all, subjects: [{kind: Group, name: "owners:approvers"}]}
`,
);

test('github principals: the author of the pull request, not the email a commit carries; its handle finds the policy email and OWNERS', async () => {
  const gh = new MemoryGitHub();
  const at = (name: string) => `kubernetes/k8s.io@${commits[name]}`;
  gh.commitPulls.set(at('first'), [pull(1, 'alice', true)]);
  gh.commitPulls.set(at('spoofed'), [pull(2, 'mallory', true)]);
  gh.commitPulls.set(at('owner'), [pull(4, 'carol', true)]);
  const { manifests } = await loadManifests({ thinManifestDir: join(repo, 'reg') });
  const origins = new OriginIndex(manifests);
  const edges = manifestsToEdges(manifests).edges;
  const decide = async (request: ConstructorParameters<typeof Principals>[2]) =>
    (await decideEdges({ policy, origins, principals: new Principals(policy, origins, request) }, edges, ['promote'])).map((d) => [
      d.edge.tag,
      d.principal,
      d.decision.allowed ? 'allow' : 'deny',
    ]);
  // git blame alone believes the commits' author email: mallory's and the direct push pass as alice
  assert.deepEqual(await decide({}), [
    ['v1', 'alice@example.com', 'allow'],
    ['v2', 'alice@example.com', 'allow'],
    ['v3', 'alice@example.com', 'allow'],
    ['v4', 'someone@example.com', 'deny'],
  ]);
  assert.deepEqual(await decide({ github: { api: gh, owner: 'kubernetes', repo: 'k8s.io' } }), [
    ['v1', 'alice@example.com', 'allow'],
    ['v2', 'mallory@users.noreply.github.com', 'deny'],
    ['v3', '', 'deny'],
    ['v4', 'carol@users.noreply.github.com', 'allow'],
  ]);
  // the four commits were asked in one query, before the edges were decided
  assert.deepEqual(gh.commitQueries.map((q) => q.length), [4]);
  const p = new Principals(policy, origins, { github: { api: gh, owner: 'kubernetes', repo: 'k8s.io' } });
  const spoofed = await p.of(edges.find((e) => e.tag === 'v2')!);
  assert.match(spoofed.from, /^GitHub pull request #2 by @mallory \(git blame .*images\.yaml:4\)$/);
  const direct = await p.of(edges.find((e) => e.tag === 'v3')!);
  assert.match(direct.from, new RegExp(`^no principal: commit ${commits.direct!.slice(0, 12)} came in by no pull request`));

  // a line merged by two pull requests, one by a since deleted account: both ask, so alice alone does not decide
  gh.commitPulls.set(at('spoofed'), [pull(2, '', true), pull(5, 'alice', true)]);
  assert.deepEqual((await decide({ github: { api: gh, owner: 'kubernetes', repo: 'k8s.io' } }))[1], ['v2', '', 'deny']);
});
