import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIO } from '../../src/cli/main.js';
import { startDistribution, type Distribution } from '../support/distribution.js';
import { startGitHubFake, type GitHubFake } from '../support/github-fake.js';
import { seedImage, type ImageData } from '../support/seed.js';
import { captureIO } from '../support/cli.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/k8s-io', import.meta.url));
const TOKEN = 'ghp_Zq8RTiKpromoTestToken0123456789abcdXY';
const BOM = 'registry.k8s.io/images/k8s-staging-bom/images.yaml';
const BRANCH = 'bom-v0.6.0-image-promotion';
let reg: Distribution;
let gh: GitHubFake;
let root: string;
let v060: ImageData;
let env: NodeJS.ProcessEnv;

function git(cwd: string, args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, env, encoding: 'utf8' });
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'kpromo-pr-'));
  env = { PATH: process.env.PATH, HOME: root, GIT_CONFIG_NOSYSTEM: '1', GITHUB_TOKEN: TOKEN };
  [reg, gh] = await Promise.all([startDistribution(), startGitHubFake(TOKEN)]);
  v060 = await seedImage({ url: reg.url }, 'k8s-staging-bom/bom', 'v0.6.0', { seed: 'pr-bom-v060' });
  // the upstream manifests repository (a bare repo) and the contributor's fork of it
  const work = join(root, 'work');
  cpSync(FIXTURE, join(work, 'registry.k8s.io'), { recursive: true });
  const m = join(work, 'registry.k8s.io/manifests/k8s-staging-bom/promoter-manifest.yaml');
  writeFileSync(m, readFileSync(m, 'utf8').replace('name: gcr.io/k8s-staging-bom', `name: ${reg.host}/k8s-staging-bom`));
  git(work, ['init', '-q', '-b', 'main']);
  git(work, ['add', '-A']);
  git(work, ['commit', '-q', '-m', 'manifests']);
  git(root, ['clone', '-q', '--bare', work, 'upstream.git']);
  git(root, ['clone', '-q', '--bare', join(root, 'upstream.git'), 'fork.git']);
});
after(async () => {
  await Promise.all([reg?.stop(), gh?.close()]);
  rmSync(root, { recursive: true, force: true });
});

function run(extra: string[] = []) {
  const io = captureIO(env);
  const argv = ['pr', '--fork', 'me', '--project', 'bom', '-t', 'v0.6.0', '--github-api-url', gh.url,
    '--clone-url', `file://${join(root, 'upstream.git')}`, '--fork-url', `file://${join(root, 'fork.git')}`, ...extra];
  return main(argv, io as CliIO).then((code) => ({ code, ...io }));
}

test('kpromo pr: clone, branch, grow from a real Distribution, commit, push to the fork, open the pull request', async () => {
  const r = await run();
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(gh.violations, []);
  // the fork got the branch: one commit on top of upstream main, adding exactly one line
  const fork = join(root, 'fork.git');
  const diff = git(fork, ['diff', '--unified=0', 'main', BRANCH]);
  const added = diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
  assert.deepEqual(added, [`+    "${v060.digest}": ["v0.6.0"]`]);
  assert.equal(diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---')).length, 0);
  assert.match(diff, new RegExp(`\\+\\+\\+ b/${BOM}`));
  assert.equal(git(fork, ['rev-list', '--count', `main..${BRANCH}`]).trim(), '1');
  assert.equal(git(fork, ['log', '-1', '--format=%s', BRANCH]).trim(), 'Image promotion for bom v0.6.0');
  // the pull request, as GitHub's API describes it
  const create = gh.requests.find((q) => q.operationId === 'pulls/create')!;
  const body = create.body as { title: string; head: string; base: string; body: string };
  assert.equal(create.path, '/repos/kubernetes/k8s.io/pulls');
  assert.equal(body.head, `me:${BRANCH}`);
  assert.equal(body.base, 'main');
  assert.match(body.body, /\n\/hold\ncc: @kubernetes\/release-engineering\n$/);
  assert.ok(body.body.includes(`bom@${v060.digest}: v0.6.0`));
  assert.match(r.out, /opened pull request #1: /);
  // the token reached the API only
  assert.equal(create.authorization, `token ${TOKEN}`);
  assert.ok(!(r.out + r.err).includes(TOKEN));
});

test('kpromo pr again: the open pull request is found and updated, not opened twice', async () => {
  const r = await run();
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /updated pull request #1/);
  assert.equal(gh.pulls.length, 1);
  const list = gh.requests.filter((q) => q.operationId === 'pulls/list').at(-1)!;
  assert.deepEqual({ head: list.query.head, base: list.query.base, state: list.query.state }, { head: `me:${BRANCH}`, base: 'main', state: 'open' });
  assert.deepEqual(gh.violations, []);
});

test('kpromo pr in a checkout after the merge: nothing to promote, exit 0, no push and no pull request; the token is not in the git config', async () => {
  git(root, ['--git-dir', join(root, 'fork.git'), 'push', '-q', join(root, 'upstream.git'), `${BRANCH}:main`]);
  const checkout = join(root, 'checkout');
  git(root, ['clone', '-q', join(root, 'upstream.git'), checkout]);
  const requests = gh.requests.length;
  const r = await run(['--checkout', checkout]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /nothing to promote: .*images\.yaml already lists every matching image; no pull request opened/);
  assert.equal(gh.requests.length, requests);
  assert.ok(!readFileSync(join(checkout, '.git/config'), 'utf8').includes(TOKEN));
});

test('kpromo pr without GITHUB_TOKEN or --fork is invalid input', async () => {
  const io = captureIO({ ...env, GITHUB_TOKEN: '' });
  const code = await main(['pr', '-t', 'v1'], io as CliIO);
  assert.equal(code, 2);
  assert.match(io.err, /--fork is required/);
  assert.match(io.err, /GITHUB_TOKEN is not set/);
});
