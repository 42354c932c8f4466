import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, putImage } from '../registry/memory/fixtures.js';
import { MemoryStore } from '../registry/store/memory.js';
import { MemoryGit } from './memory-git.js';
import { MemoryGitHub } from './memory-github.js';
import { branchName, openPromotionPr, prTitle, projectOf, type PrOptions } from './pr.js';

const STAGING = 'staging.example';
const UPSTREAM = 'https://github.example/kubernetes/k8s.io.git';
const FORK = 'git@github.example:me/k8s.io.git';
const d = (c: string): string => `sha256:${c.repeat(64)}`;

async function setup(images: string) {
  const store = new MemoryStore();
  const image = await putImage(store, 'k8s-staging-app/app', buildImage({ seed: 'pr-unit' }), 'v2');
  const registry = new MemoryRegistryClient({ hosts: { [STAGING]: store } });
  const git = new MemoryGit({
    [UPSTREAM]: {
      'registry.k8s.io/manifests/k8s-staging-app/promoter-manifest.yaml': `registries:\n- name: ${STAGING}/k8s-staging-app\n  src: true\n- name: prod.example/app\n`,
      'registry.k8s.io/images/k8s-staging-app/images.yaml': images,
    },
  });
  return { image, registry, git, github: new MemoryGitHub() };
}

const OPTIONS: PrOptions = {
  repo: 'kubernetes/k8s.io', fork: 'me/k8s.io', baseBranch: 'main', project: 'app', tags: ['v2'], images: [], digests: [],
  reviewers: ['@kubernetes/release-engineering'], thinManifestDir: 'registry.k8s.io', updateRepo: true, cloneUrl: UPSTREAM, forkUrl: FORK,
  author: { name: 'kpromo', email: 'kpromo@example.com' },
};

describe('openPromotionPr', () => {
  it('pushes one commit with the grown images file and opens the pull request', async () => {
    const s = await setup(`- name: app\n  dmap:\n    "${d('1')}": ["v1"]\n`);
    const out = await openPromotionPr(OPTIONS, s);
    assert.equal(out.status, 'opened');
    assert.deepEqual(s.git.branches, ['app-v2-image-promotion']);
    assert.equal(s.git.pushes.length, 1);
    assert.deepEqual(s.git.pushes[0]!.files, { 'registry.k8s.io/images/k8s-staging-app/images.yaml': `- name: app\n  dmap:\n    "${d('1')}": ["v1"]\n    "${s.image.digest}": ["v2"]\n` });
    assert.equal(s.git.pushes[0]!.url, FORK);
    assert.equal(s.github.opened[0]!.head, 'me:app-v2-image-promotion');
  });

  it('a change that fails the lint is not pushed (a tag written twice in the file)', async () => {
    const s = await setup(`- name: app\n  dmap:\n    "${d('1')}": ["v1", "v1"]\n`);
    const out = await openPromotionPr(OPTIONS, s);
    assert.equal(out.status, 'lint-failed');
    assert.equal(s.git.pushes.length, 0);
    assert.equal(s.github.opened.length, 0);
  });

  it('nothing to add: no commit, no push, no pull request', async () => {
    const s = await setup('');
    const first = await openPromotionPr(OPTIONS, s);
    assert.equal(first.status, 'opened');
    const again = await setup(s.git.pushes[0]!.files['registry.k8s.io/images/k8s-staging-app/images.yaml']!);
    const out = await openPromotionPr(OPTIONS, again);
    assert.deepEqual(out, { status: 'unchanged', file: 'registry.k8s.io/images/k8s-staging-app/images.yaml' });
    assert.equal(again.git.pushes.length, 0);
  });

  it('interactive and declined: nothing pushed', async () => {
    const s = await setup('');
    const out = await openPromotionPr(OPTIONS, { ...s, confirm: async () => false });
    assert.equal(out.status, 'declined');
    assert.equal(s.git.pushes.length, 0);
  });

  it('branch and project names', () => {
    assert.equal(branchName('kubernetes', ['v1.31.0']), 'kubernetes-v1.31.0-image-promotion');
    assert.equal(branchName('app', ['v1.*']), 'app-v1.-image-promotion');
    assert.equal(prTitle('kubernetes', ['v1.31.0', 'v1.30.4']), 'releng: Image promotion for kubernetes v1.31.0 / v1.30.4');
    assert.equal(projectOf({ stagingRepo: 'us-central1-docker.pkg.dev/k8s-staging-images/k8s-staging-bom/' }), 'bom');
  });
});
