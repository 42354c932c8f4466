import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { diffBase, GitError, prowDiffRevision, readAtRevision, resolveCommit, sinceDiffBase } from './git.js';
import { gitIn } from '../../test/support/git.js';

let repo: string;
const commits: string[] = [];
const DAY = 86400;
const now = Math.floor(Date.now() / 1000);

function run(args: string[], date?: number): string {
  return gitIn(repo, args, { env: date === undefined ? {} : { GIT_AUTHOR_DATE: `@${date} +0000`, GIT_COMMITTER_DATE: `@${date} +0000` } });
}
function commit(files: Record<string, string>, date: number): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(repo, p, '..'), { recursive: true });
    writeFileSync(join(repo, p), content);
  }
  run(['add', '-A']);
  run(['commit', '-q', '-m', `c${commits.length}`], date);
  commits.push(run(['rev-parse', 'HEAD']).trim());
}

before(() => {
  repo = mkdtempSync(join(tmpdir(), 'kpromo-git-'));
  run(['init', '-q']);
  commit({ 'm/a.yaml': 'v0\n' }, now - 30 * DAY); // c0: root
  commit({ 'm/a.yaml': 'v1\n' }, now - 20 * DAY); // c1
  commit({ 'm/b.yaml': 'b2\n' }, now - 3 * DAY); // c2
  commit({ 'm/a.yaml': 'v3\n' }, now - 1 * DAY); // c3
});
after(() => rmSync(repo, { recursive: true, force: true }));

const opts = () => ({ cwd: join(repo, 'm') });

test('prowDiffRevision follows JOB_TYPE', () => {
  assert.equal(prowDiffRevision({ JOB_TYPE: 'presubmit', PULL_BASE_SHA: 'abc' }), 'abc');
  assert.equal(prowDiffRevision({ JOB_TYPE: 'batch', PULL_BASE_SHA: 'def' }), 'def');
  assert.equal(prowDiffRevision({ JOB_TYPE: 'postsubmit' }), 'HEAD^');
  for (const env of [{ JOB_TYPE: 'periodic' }, {}, { JOB_TYPE: 'presubmit' }]) {
    assert.throws(() => prowDiffRevision(env), InputError);
  }
});

test('readAtRevision reads old content, and undefined for files that did not exist', async () => {
  assert.equal(await readAtRevision({ rev: commits[1]! }, join(repo, 'm/a.yaml')), 'v1\n');
  assert.equal(await readAtRevision({ rev: 'HEAD' }, join(repo, 'm/a.yaml')), 'v3\n');
  assert.equal(await readAtRevision({ rev: commits[1]! }, join(repo, 'm/b.yaml')), undefined);
  assert.equal(await readAtRevision(null, join(repo, 'm/a.yaml')), undefined);
});

test('diffBase: postsubmit diffs against HEAD^, presubmit against PULL_BASE_SHA', async () => {
  assert.deepEqual(await diffBase({ prow: true }, { JOB_TYPE: 'postsubmit' }, opts()), { rev: commits[2] });
  assert.deepEqual(await diffBase({ prow: true }, { JOB_TYPE: 'presubmit', PULL_BASE_SHA: commits[0] }, opts()), { rev: commits[0] });
  await assert.rejects(diffBase({ prow: true }, { JOB_TYPE: 'presubmit', PULL_BASE_SHA: 'nosuchrev' }, opts()), GitError);
});

test('sinceDiffBase: the parent of the oldest commit in the window', async () => {
  assert.deepEqual(await sinceDiffBase('7 days ago', opts()), { rev: commits[1] });
  assert.deepEqual(await sinceDiffBase('25 days ago', opts()), { rev: commits[0] });
  assert.deepEqual(await sinceDiffBase('7 days', opts()), { rev: commits[1] }); // upstream's spelling
  // the whole history is in the window: the oldest commit is the root, so everything is new
  assert.equal(await sinceDiffBase('60 days ago', opts()), null);
  // nothing in the window: HEAD, so nothing changed
  assert.deepEqual(await sinceDiffBase('2 hours ago', opts()), { rev: commits[3] });
  // --manifest-diff-since wins over the prow rule
  assert.deepEqual(await diffBase({ since: '7 days ago', prow: true }, { JOB_TYPE: 'periodic' }, opts()), { rev: commits[1] });
});

test('resolveCommit rejects a directory that is not a repository', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'kpromo-nogit-'));
  try {
    await assert.rejects(resolveCommit('HEAD', { cwd: outside }), GitError);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});
