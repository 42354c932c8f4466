/**
 * The policy phase end to end through main() against real Distribution registries: a denied
 * edge is not written while the allowed ones are, the dry run and `kpromo policy check` fail for
 * it, the report names the rule, and an edge-only policy adds no registry request.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isolatedEnv, runCli, type CliResult } from '../support/cli.js';
import { gitIn } from '../support/git.js';
import { startGitHubFake } from '../support/github-fake.js';
import { buildImage, fetchManifest, pushImage, seedIndex, type ImageData } from '../support/seed.js';
import { assertHasImage, startEnv, writeManifest, type E2eEnv } from './harness.js';

let env: E2eEnv;
let img: ImageData;

before(async () => {
  env = await startEnv(1);
  img = buildImage({ seed: 'policy-app', layers: 1 });
  await pushImage(env.staging, 'staging/app', img, 'v1');
});
after(() => env.stop());

const cli = (args: string[]): Promise<CliResult> => runCli(args, isolatedEnv(env.dir));

const POLICY = (condition?: string, moreDeny = '') => `apiVersion: kpromo.sigs.k8s.io/v1alpha1
kind: PromotionPolicy
roles:
- name: releaser
  rules:
  - name: everything${condition ? `\n    condition: '${condition}'` : ''}
bindings:
- name: ci
  role: releaser
  subjects: [{kind: User, name: ci@example.com}]
deny:
- name: no-latest
  reason: latest moves
  tags: [latest]
${moreDeny}`;

const total = (doc: { requests?: { requests: number }[] }): number => (doc.requests ?? []).reduce((a, h) => a + h.requests, 0);

test('policy: a denied edge is refused (dry run and --confirm exit 1), the allowed one is written, the report names the rule', async () => {
  const [m0] = env.mirrors as [E2eEnv['mirrors'][0]];
  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/prod`], [{ name: 'app', dmap: { [img.digest]: ['v1', 'latest'] } }]);
  const policy = join(env.dir, 'policy.yaml');
  await writeFile(policy, POLICY());
  const report = join(env.dir, 'policy-report.json');
  const args = ['cip', '--manifest', manifest, '--policy', policy, '--principal', 'ci@example.com', '--report-file', report];

  const dry = await cli(args);
  assert.equal(dry.code, 1, dry.err);
  assert.match(dry.err, /1 edge denied by the policy/);
  assert.match(dry.out, /DENY  promote .*:latest\n\s+rule deny\/no-latest: latest moves\n\s+principal ci@example.com \(--principal\)/);
  assert.equal((await fetchManifest(m0, 'prod/app', 'v1')).status, 404, 'a dry run writes nothing');

  const run = await cli([...args, '--confirm', '--sign=false']);
  assert.equal(run.code, 1, run.err);
  assert.match(run.err, /promotion incomplete: 1 edge denied by the policy/);
  await assertHasImage(m0, 'prod/app', img, 'v1');
  assert.equal((await fetchManifest(m0, 'prod/app', 'latest')).status, 404, 'the denied tag is not written');
  const doc = JSON.parse(await readFile(report, 'utf8'));
  const outcomes = doc.outcomes.map((o: { tag: string; outcome: string; error?: string }) => [o.tag, o.outcome, /policy deny\/no-latest/.test(o.error ?? '')]);
  assert.deepEqual(outcomes.sort(), [['latest', 'failed', true], ['v1', 'promoted', false]]);
  const decisions = doc.policy.decisions.map((d: { edge: string; result: string; rule: string; principalFrom: string }) => [d.edge.split(':').at(-1), d.result, d.rule, d.principalFrom]);
  assert.deepEqual(decisions.sort(), [['latest', 'deny', 'deny/no-latest', '--principal'], ['v1', 'allow', 'releaser/everything', '--principal']]);
});

test('policy: an edge-only policy adds no registry request; a condition on image reads each source digest once', async () => {
  const [m0] = env.mirrors as [E2eEnv['mirrors'][0]];
  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/other`], [{ name: 'app', dmap: { [img.digest]: ['v1'] } }]);
  const report = join(env.dir, 'requests.json');
  const requestsWith = async (extra: string[]): Promise<{ code: number; n: number; doc: Record<string, any> }> => {
    const r = await cli(['cip', '--manifest', manifest, '--report-file', report, ...extra]);
    const doc = JSON.parse(await readFile(report, 'utf8'));
    return { code: r.code, n: total(doc), doc };
  };
  const none = await requestsWith([]);
  const edgeOnly = join(env.dir, 'edge-only.yaml');
  await writeFile(edgeOnly, POLICY('edge.tag.startsWith("v")'));
  const withEdge = await requestsWith(['--policy', edgeOnly, '--principal', 'ci@example.com']);
  assert.equal(withEdge.code, 0);
  assert.equal(withEdge.n, none.n, 'same requests with and without an edge-only policy');
  assert.equal(withEdge.doc.policy.imageReads, 0);
  const imagePolicy = join(env.dir, 'image.yaml');
  await writeFile(imagePolicy, POLICY('image.size > 0 && image.platforms.size() == 0'));
  const withImage = await requestsWith(['--policy', imagePolicy, '--principal', 'ci@example.com']);
  assert.equal(withImage.code, 0, JSON.stringify(withImage.doc.policy));
  assert.equal(withImage.doc.policy.imageReads, 1);
  assert.equal(withImage.n, none.n + 1, 'one manifest read for the image attributes');
});

test('policy check: the edges a commit adds are decided offline; a denied one exits 1 with its rule', async () => {
  const repo = join(env.dir, 'repo');
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=r', '-c', 'user.email=rel@example.com', ...a], { cwd: repo, env: { ...process.env, HOME: repo, GIT_CONFIG_NOSYSTEM: '1' }, encoding: 'utf8' });
  execFileSync('mkdir', ['-p', repo]);
  git('init', '-q');
  git('commit', '-q', '--allow-empty', '-m', 'base');
  const base = git('rev-parse', 'HEAD').trim();
  const manifest = join(repo, 'promoter-manifest.yaml');
  await writeFile(manifest, JSON.stringify({ registries: [{ name: `${env.staging.host}/staging`, src: true }, { name: 'prod.example/p' }], images: [{ name: 'app', dmap: { [img.digest]: ['v1', 'latest'] } }] }, null, 2));
  git('add', '-A');
  git('commit', '-q', '-m', 'promote app');
  const policy = join(env.dir, 'check-policy.yaml');
  await writeFile(policy, POLICY().replace('ci@example.com', 'rel@example.com'));
  const r = await cli(['policy', 'check', '--policy', policy, '--manifest', manifest, '--base', base, '--sign=false']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /DENY  promote .*:latest\n\s+rule deny\/no-latest: latest moves\n\s+principal rel@example.com \(git blame .*promoter-manifest.yaml:\d+\)/);
  assert.match(r.out, /ALLOW promote .*:v1/);
  assert.match(r.out, /policy: 1 allowed, 1 denied/);
});

test('policy check --principal-from github: the pull request author decides, not the email a commit carries; flags and token are checked first', async (t) => {
  const fake = await startGitHubFake('gh-t0ken');
  t.after(() => fake.close());
  const repo = await mkdtemp(join(env.dir, 'gh-repo-'));
  const git = (args: string[], author?: string): string => gitIn(repo, args, { author });
  git(['init', '-q']);
  git(['commit', '-q', '--allow-empty', '-m', 'base']);
  const base = git(['rev-parse', 'HEAD']).trim();
  const manifest = join(repo, 'promoter-manifest.yaml');
  await writeFile(manifest, JSON.stringify({ registries: [{ name: `${env.staging.host}/staging`, src: true }, { name: 'prod.example/p' }], images: [{ name: 'app', dmap: { [img.digest]: ['v1'] } }] }, null, 2));
  git(['add', '-A']);
  // mallory commits under the release engineer's email; her pull request #12 merged it (a pull
  // request in her fork, opened by someone else, carries the same commit and asks for nothing)
  git(['commit', '-q', '-m', 'promote app'], 'rel@example.com');
  fake.commitPulls.set(`kubernetes/k8s.io@${git(['rev-parse', 'HEAD']).trim()}`, [
    { number: 3, author: 'rel', state: 'MERGED', repo: 'mallory/k8s.io' },
    { number: 12, author: 'mallory', state: 'MERGED' },
  ]);
  const policy = join(env.dir, 'gh-policy.yaml');
  await writeFile(policy, POLICY().replace('ci@example.com', 'rel@example.com'));
  const check = ['policy', 'check', '--policy', policy, '--manifest', manifest, '--base', base, '--sign=false'];
  const gh = ['--principal-from', 'github', '--github-api-url', fake.url];

  const blamed = await cli(check);
  assert.equal(blamed.code, 0, 'git blame believes the email the commit carries');
  const r = await runCli([...check, ...gh], isolatedEnv(env.dir, { GITHUB_TOKEN: 'gh-t0ken', GITHUB_REPOSITORY: 'kubernetes/k8s.io' }));
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /DENY  promote .*:v1\n\s+rule default-deny.*\n\s+principal mallory@users\.noreply\.github\.com \(GitHub pull request #12 by @mallory \(git blame .*promoter-manifest\.yaml:\d+\)\)/);
  assert.deepEqual(fake.violations, []);
  assert.equal(fake.queries.length, 1);
  assert.doesNotMatch(r.out + r.err, /gh-t0ken/);
  // GitHub briefly unavailable: the query is asked again, the decision is the same
  fake.failGraphql = 1;
  const again = await runCli([...check, ...gh], isolatedEnv(env.dir, { GITHUB_TOKEN: 'gh-t0ken', GITHUB_REPOSITORY: 'kubernetes/k8s.io' }));
  assert.deepEqual([again.code, again.out], [r.code, r.out]);
  assert.equal(fake.queries.length, 3);

  const noToken = await runCli([...check, ...gh], isolatedEnv(env.dir, { GITHUB_REPOSITORY: 'kubernetes/k8s.io' }));
  assert.equal(noToken.code, 2);
  assert.match(noToken.err, /GITHUB_TOKEN is not set: --principal-from github reads pull requests with it/);
  const noRepo = await runCli([...check, ...gh], isolatedEnv(env.dir, { GITHUB_TOKEN: 'gh-t0ken' }));
  assert.equal(noRepo.code, 2);
  assert.match(noRepo.err, /--principal-from github needs the manifests' repository/);
  const both = await runCli([...check, ...gh, '--principal', 'x@example.com', '--github-repo', 'k/k'], isolatedEnv(env.dir, { GITHUB_TOKEN: 'gh-t0ken' }));
  assert.equal(both.code, 2);
  assert.match(both.err, /give one/);
  assert.equal(fake.queries.length, 3, 'a refused command line asks GitHub nothing');
  const refused = await runCli([...check, ...gh], isolatedEnv(env.dir, { GITHUB_TOKEN: 'wr0ng', GITHUB_REPOSITORY: 'kubernetes/k8s.io' }));
  assert.deepEqual([refused.code, refused.out, refused.err], [1, '', 'error: GitHub finding the pull requests of 1 commit: HTTP 401: Bad credentials\n']);
});

test('cip --principal-from github: the policy phase of a run asks GitHub once for the blamed commits and decides by the pull request author', async (t) => {
  const [m0] = env.mirrors as [E2eEnv['mirrors'][0]];
  const fake = await startGitHubFake('gh-t0ken');
  t.after(() => fake.close());
  const repo = await mkdtemp(join(env.dir, 'gh-cip-repo-'));
  const git = (args: string[], author?: string): string => gitIn(repo, args, { author });
  git(['init', '-q']);
  const manifest = join(repo, 'promoter-manifest.yaml');
  await writeFile(manifest, JSON.stringify({ registries: [{ name: `${env.staging.host}/staging`, src: true }, { name: `${m0.host}/ghcip` }], images: [{ name: 'app', dmap: { [img.digest]: ['v1', 'v2'] } }] }, null, 2));
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'promote app'], 'someone@example.com');
  fake.commitPulls.set(`kubernetes/k8s.io@${git(['rev-parse', 'HEAD']).trim()}`, [{ number: 5, author: 'CI-Bot', state: 'MERGED' }]);
  const policy = join(env.dir, 'gh-cip-policy.yaml');
  await writeFile(policy, POLICY().replace('ci@example.com', 'ci-bot@users.noreply.github.com'));
  const r = await runCli(['cip', '--manifest', manifest, '--policy', policy, '--principal-from', 'github', '--github-api-url', fake.url, '--sign=false'], isolatedEnv(env.dir, { GITHUB_TOKEN: 'gh-t0ken', GITHUB_REPOSITORY: 'kubernetes/k8s.io' }));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\n  promote    .*ghcip\/app:v1\n/);
  assert.equal(fake.queries.length, 1, 'one query for the two edges of the one blamed commit');
  assert.deepEqual(fake.violations, []);
  assert.equal((await fetchManifest(m0, 'ghcip/app', 'v1')).status, 404, 'a dry run writes nothing');
});

test('policy: a run scoped to a change (--use-prow-manifest-diff) decides with OWNERS as they were before it, so its author cannot approve herself', async () => {
  const [m0] = env.mirrors as [E2eEnv['mirrors'][0]];
  const repo = await mkdtemp(join(env.dir, 'owners-repo-'));
  const git = (args: string[], author?: string): string => gitIn(repo, args, { author });
  const put = async (files: Record<string, string>, author: string): Promise<void> => {
    for (const [p, content] of Object.entries(files)) {
      await mkdir(join(repo, p, '..'), { recursive: true });
      await writeFile(join(repo, p), content);
    }
    git(['add', '-A']);
    git(['commit', '-q', '-m', `by ${author}`], author);
  };
  git(['init', '-q']);
  const owners = (who: string[]) => `approvers:\n${who.map((w) => `  - ${w}\n`).join('')}`;
  await put({
    'reg/manifests/a/promoter-manifest.yaml': `registries:\n- name: ${env.staging.host}/staging\n  src: true\n- name: ${m0.host}/owned\n`,
    'reg/manifests/a/OWNERS': owners(['carol@example.com']),
    'reg/images/a/images.yaml': `- name: other\n  dmap:\n    "sha256:${'9'.repeat(64)}": ["v9"]\n`,
  }, 'carol@example.com');
  // mallory's change: the app's digest, and herself added to the approvers
  await put({
    'reg/manifests/a/OWNERS': owners(['carol@example.com', 'mallory@example.com']),
    'reg/images/a/images.yaml': `- name: other\n  dmap:\n    "sha256:${'9'.repeat(64)}": ["v9"]\n- name: app\n  dmap:\n    "${img.digest}": ["v1"]\n`,
  }, 'mallory@example.com');
  const policy = join(env.dir, 'owners-policy.yaml');
  await writeFile(policy, `apiVersion: kpromo.sigs.k8s.io/v1alpha1
kind: PromotionPolicy
roles:
- name: owner
  rules:
  - name: own
    condition: '"owners:approvers" in request.groups'
bindings:
- {name: owners, role: owner, subjects: [{kind: Group, name: "owners:approvers"}]}
`);
  const r = await runCli(['cip', '--thin-manifest-dir', join(repo, 'reg'), '--use-prow-manifest-diff', '--policy', policy], isolatedEnv(env.dir, { JOB_TYPE: 'postsubmit' }));
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /DENY  promote .*owned\/app:v1\n\s+rule default-deny/);
  assert.match(r.out, /principal mallory@example\.com \(git blame /);
});

test('policy: a vulnerability report of one platform image of an index denies the index (--vuln-severity-threshold with --vuln-report)', async () => {
  const [m0] = env.mirrors as [E2eEnv['mirrors'][0]];
  const index = await seedIndex(env.staging, 'staging/multi', 'v1', { seed: 'policy-vuln-index' });
  const child = index.manifests[1]!;
  const reports = await mkdtemp(join(env.dir, 'vuln-reports-'));
  // a scanner's report of one platform image alone, by its own digest
  await writeFile(join(reports, 'trivy.json'), JSON.stringify({ SchemaVersion: 2, Metadata: { RepoDigests: [`${env.staging.host}/staging/multi@${child.digest}`] }, Results: [{ Vulnerabilities: [{ Severity: 'CRITICAL' }] }] }));
  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/vuln`], [{ name: 'multi', dmap: { [index.digest]: ['v1'] } }]);
  const r = await cli(['cip', '--manifest', manifest, '--vuln-severity-threshold', '5', '--vuln-report', reports]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /DENY  promote .*vuln\/multi:v1\n\s+rule deny\/vuln-severity-threshold/);
});

test('policy: a deny rule naming a platform image in image.children refuses the index it travels in', async () => {
  const [m0] = env.mirrors as [E2eEnv['mirrors'][0]];
  const index = await seedIndex(env.staging, 'staging/multi2', 'v1', { seed: 'policy-deny-child' });
  const bad = index.manifests[0]!.digest;
  const policy = join(env.dir, 'child-policy.yaml');
  await writeFile(policy, POLICY(undefined, `- name: bad-platform-image
  reason: a known-bad build
  condition: '"${bad}" in image.children || edge.digest == "${bad}"'
`));
  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/child`], [{ name: 'multi2', dmap: { [index.digest]: ['v1'] } }]);
  const r = await cli(['cip', '--manifest', manifest, '--policy', policy, '--principal', 'ci@example.com']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /DENY  promote .*child\/multi2:v1\n\s+rule deny\/bad-platform-image: a known-bad build/);
});

test("policy: a deny rule on edge.digest naming a platform image refuses the index that carries it; the index's other edges and plain images are decided as before", async () => {
  const [m0] = env.mirrors as [E2eEnv['mirrors'][0]];
  const index = await seedIndex(env.staging, 'staging/multi3', 'v1', { seed: 'policy-deny-child-digest' });
  const bad = index.manifests[1]!.digest;
  const policy = join(env.dir, 'child-digest-policy.yaml');
  await writeFile(policy, POLICY(undefined, `- name: bad-build
  reason: a known-bad build
  condition: 'edge.digest == "${bad}"'
`));
  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/childd`], [
    { name: 'multi3', dmap: { [index.digest]: ['v1'] } },
    { name: 'app', dmap: { [img.digest]: ['v1'] } },
  ]);
  const r = await cli(['cip', '--manifest', manifest, '--policy', policy, '--principal', 'ci@example.com']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, new RegExp(`DENY  promote .*childd/multi3:v1\\n\\s+rule deny/bad-build: a known-bad build \\(platform image ${bad} of this index\\)`));
  assert.match(r.out, /\n  promote    .*→ .*childd\/app:v1\n/);
});
