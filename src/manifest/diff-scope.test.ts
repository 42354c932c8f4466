import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '../log.js';
import { loadManifests } from './load.js';
import { scopeToGitDiff, wantsDiffScope } from './diff-scope.js';
import { gitIn } from '../../test/support/git.js';

let repo: string;
const D = (c: string) => `sha256:${c.repeat(64)}`;
const REGS = 'registries:\n- name: staging.example/p\n  src: true\n- name: prod.example/p\n';

const run = (args: string[]): string => gitIn(repo, args);
function write(files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(repo, p, '..'), { recursive: true });
    writeFileSync(join(repo, p), content);
  }
}
function commit(files: Record<string, string>): void {
  write(files);
  run(['add', '-A']);
  run(['commit', '-q', '-m', 'c']);
}
const images = (rows: [string, string, string[]][]) =>
  rows.map(([name, c, tags]) => `- name: ${name}\n  dmap:\n    "${D(c)}": [${tags.map((t) => `"${t}"`).join(', ')}]\n`).join('');

before(() => {
  repo = mkdtempSync(join(tmpdir(), 'kpromo-diffscope-'));
  run(['init', '-q']);
  commit({ 'reg/manifests/a/promoter-manifest.yaml': REGS, 'reg/images/a/images.yaml': images([['x', '1', ['v1']]]) });
  commit({
    'reg/images/a/images.yaml': images([
      ['x', '1', ['v1']],
      ['x', '2', ['v2']],
    ]),
    'reg/manifests/b/promoter-manifest.yaml': REGS.replace('/p', '/q'),
    'reg/images/b/images.yaml': images([['y', '3', []]]),
  });
});
after(() => rmSync(repo, { recursive: true, force: true }));

test('wantsDiffScope', () => {
  assert.equal(wantsDiffScope({}), false);
  assert.equal(wantsDiffScope({ useProwManifestDiff: true }), true);
  assert.equal(wantsDiffScope({ manifestDiffSince: '7 days' }), true);
});

test('postsubmit: only digests added by HEAD are planned; a new thin manifest is all new', async () => {
  const { manifests } = await loadManifests({ thinManifestDir: join(repo, 'reg') });
  const logger = new MemoryLogger();
  const s = await scopeToGitDiff(manifests, { useProwManifestDiff: true }, { env: { JOB_TYPE: 'postsubmit' }, logger });
  assert.equal(s.total, 3);
  assert.equal(s.added, 2);
  const planned = s.manifests.flatMap((m) => m.images.flatMap((i) => [...i.dmap.keys()].map((d) => `${i.name}@${d}`)));
  assert.deepEqual(planned.sort(), [`x@${D('2')}`, `y@${D('3')}`]);
  assert.match(logger.records.at(-1)!.msg, /planning 2 of 3 digests/);
});

test('an uncommitted change diffed against HEAD (presubmit) adds only what changed', async () => {
  const head = run(['rev-parse', 'HEAD']).trim();
  write({
    'reg/images/a/images.yaml': images([
      ['x', '1', ['v1', 'latest']],
      ['x', '2', ['v2']],
    ]),
  });
  try {
    const { manifests } = await loadManifests({ thinManifestDir: join(repo, 'reg') });
    const s = await scopeToGitDiff(manifests, { useProwManifestDiff: true }, { env: { JOB_TYPE: 'presubmit', PULL_BASE_SHA: head } });
    assert.equal(s.base, head);
    assert.equal(s.added, 1); // x@1 gained "latest"
  } finally {
    run(['checkout', '-q', '--', '.']);
  }
});

test('a diff with no digests plans nothing and says so', async () => {
  const head = run(['rev-parse', 'HEAD']).trim();
  const { manifests } = await loadManifests({ thinManifestDir: join(repo, 'reg') });
  const logger = new MemoryLogger();
  const s = await scopeToGitDiff(manifests, { useProwManifestDiff: true }, { env: { JOB_TYPE: 'batch', PULL_BASE_SHA: head }, logger });
  assert.equal(s.added, 0);
  assert.ok(s.manifests.every((m) => m.images.length === 0));
  assert.match(logger.records.at(-1)!.msg, /adds no digests: nothing to plan/);
});

test('--manifest-diff-since over the whole history: everything is new', async () => {
  const { manifests } = await loadManifests({ thinManifestDir: join(repo, 'reg') });
  const s = await scopeToGitDiff(manifests, { manifestDiffSince: '10 years ago' }, { env: {} });
  assert.equal(s.base, null);
  assert.equal(s.added, 3);
});
