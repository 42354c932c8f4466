import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { loadManifests } from '../manifest/load.js';
import { manifestsToEdges } from '../plan/edges.js';
import { decideEdges } from './engine.js';
import { parsePolicy } from './load.js';
import { OriginIndex } from './origin.js';
import { Principals } from './principal.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const REGS = 'registries:\n- name: staging.example/p\n  src: true\n- name: prod.example/p\n';

const policy = parsePolicy(
  'p.yaml',
  `apiVersion: kpromo.sigs.k8s.io/v1alpha1
kind: PromotionPolicy
groups:
  release-managers: [alice@example.com]
roles:
- name: rm
  rules:
  - name: all
bindings:
- {name: rm, role: rm, subjects: [{kind: Group, name: release-managers}]}
`,
);

/** A git repository in a temp dir; `commit` writes files and commits them as `author`. */
function gitRepo(): { dir: string; commit: (author: string, files: Record<string, string>) => void; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kpromo-principal-lines-'));
  const git = (args: string[], author = 't@example.com') =>
    execFileSync('git', ['-c', `user.name=${author.split('@')[0]}`, '-c', `user.email=${author}`, ...args], {
      cwd: dir,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir },
      encoding: 'utf8',
    });
  git(['init', '-q']);
  return {
    dir,
    commit(author, files) {
      for (const [p, content] of Object.entries(files)) {
        mkdirSync(join(dir, p, '..'), { recursive: true });
        writeFileSync(join(dir, p), content);
      }
      git(['add', '-A']);
      git(['commit', '-q', '-m', `by ${author}`], author);
    },
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function decided(dir: string) {
  const { manifests } = await loadManifests({ thinManifestDir: join(dir, 'reg') });
  const origins = new OriginIndex(manifests);
  const principals = new Principals(policy, origins, {});
  const edges = manifestsToEdges(manifests).edges;
  const decisions = await decideEdges({ policy, origins, principals }, edges, ['promote']);
  return decisions.map((d) => [d.edge.tag, d.principal, d.decision.allowed ? 'allow' : 'deny', d.principalFrom.replace(dir, '')]);
}

test('principal: a tag written on its own line under an existing digest is asked for by that line\'s author too', async () => {
  const r = gitRepo();
  try {
    const block = (tags: string[]) => `- name: x\n  dmap:\n    "${D('1')}":\n${tags.map((t) => `    - ${t}\n`).join('')}`;
    r.commit('alice@example.com', { 'reg/manifests/a/promoter-manifest.yaml': REGS, 'reg/images/a/images.yaml': block(['v1']) });
    r.commit('mallory@example.com', { 'reg/images/a/images.yaml': block(['v1', 'latest']) });
    assert.deepEqual(await decided(r.dir), [
      ['v1', 'alice@example.com', 'allow', 'git blame /reg/images/a/images.yaml:3'],
      ['latest', 'mallory@example.com', 'deny', 'git blame /reg/images/a/images.yaml:5'],
    ]);
  } finally {
    r.done();
  }
});

test('principal: a second manifest naming the same digest with another tag is that edge\'s origin', async () => {
  const r = gitRepo();
  try {
    const flow = (tag: string) => `- name: x\n  dmap:\n    "${D('1')}": ["${tag}"]\n`;
    r.commit('alice@example.com', { 'reg/manifests/a/promoter-manifest.yaml': REGS, 'reg/images/a/images.yaml': flow('v1') });
    r.commit('mallory@example.com', { 'reg/manifests/b/promoter-manifest.yaml': REGS, 'reg/images/b/images.yaml': flow('evil') });
    assert.deepEqual(await decided(r.dir), [
      ['v1', 'alice@example.com', 'allow', 'git blame /reg/images/a/images.yaml:3'],
      ['evil', 'mallory@example.com', 'deny', 'git blame /reg/images/b/images.yaml:3'],
    ]);
  } finally {
    r.done();
  }
});

test('principal: an OWNERS file that is not YAML is an input error at its file and line, not a crash', async () => {
  const r = gitRepo();
  try {
    const flow = `- name: x\n  dmap:\n    "${D('1')}": ["v1"]\n`;
    r.commit('alice@example.com', { 'reg/manifests/a/promoter-manifest.yaml': REGS, 'reg/manifests/a/OWNERS': 'approvers:\n  - [alice\n', 'reg/images/a/images.yaml': flow });
    await assert.rejects(decided(r.dir), (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.equal(err.problems[0]!.file, join(r.dir, 'reg/manifests/a/OWNERS'));
      assert.equal(typeof err.problems[0]!.line, 'number');
      assert.match(err.problems[0]!.message, /^invalid YAML: /);
      return true;
    });
  } finally {
    r.done();
  }
});
