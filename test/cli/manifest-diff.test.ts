import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../../src/cli/main.js';
import { gitIn } from '../support/git.js';
import { captureIO } from '../support/cli.js';

let repo: string;
const D = (c: string) => `sha256:${c.repeat(64)}`;
const MANIFEST = 'registries:\n- name: staging.example/s\n  src: true\n- name: prod.example/a\n- name: prod.example/b\n';

const git = (args: string[]): string => gitIn(repo, args);
function commit(images: string): void {
  mkdirSync(join(repo, 'reg/manifests/p'), { recursive: true });
  mkdirSync(join(repo, 'reg/images/p'), { recursive: true });
  writeFileSync(join(repo, 'reg/manifests/p/promoter-manifest.yaml'), MANIFEST);
  writeFileSync(join(repo, 'reg/images/p/images.yaml'), images);
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'c']);
}

before(() => {
  repo = mkdtempSync(join(tmpdir(), 'kpromo-clidiff-'));
  git(['init', '-q']);
  commit(`- name: app\n  dmap:\n    "${D('1')}": ["v1"]\n`);
  commit(`- name: app\n  dmap:\n    "${D('1')}": ["v1"]\n    "${D('2')}": ["v2"]\n`);
});
after(() => rmSync(repo, { recursive: true, force: true }));

function run(argv: string[], env: NodeJS.ProcessEnv) {
  const io = captureIO(env);
  return main(argv, io as CliIO).then((code) => ({ code, ...io }));
}

const base = () => ['cip', '--parse-only', '--thin-manifest-dir', join(repo, 'reg')];

test('--use-prow-manifest-diff in a postsubmit plans only the digest added by HEAD', async () => {
  const r = await run([...base(), '--use-prow-manifest-diff'], { JOB_TYPE: 'postsubmit' });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /1 image, 1 digest, 1 tag\n/);
  assert.match(r.out, /planned 2 edges/); // one tag × two destinations
  assert.match(r.err, /planning 1 of 2 digests/);
});

test('--use-prow-manifest-diff with no change plans nothing (no fallback to all images)', async () => {
  const head = git(['rev-parse', 'HEAD']).trim();
  const r = await run([...base(), '--use-prow-manifest-diff'], { JOB_TYPE: 'presubmit', PULL_BASE_SHA: head });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /planned 0 edges/);
  assert.match(r.err, /adds no digests: nothing to plan/);
});

test('--use-prow-manifest-diff with a periodic job is invalid input', async () => {
  const r = await run([...base(), '--use-prow-manifest-diff'], { JOB_TYPE: 'periodic' });
  assert.equal(r.code, 2);
  assert.match(r.err, /unsupported JOB_TYPE "periodic"/);
});

test('--manifest-diff-since over the whole history plans everything', async () => {
  const r = await run([...base(), '--manifest-diff-since', '10 years ago'], {});
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /planned 4 edges/);
});
