import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIO } from '../../src/cli/main.js';
import { gitIn } from '../support/git.js';
import { captureIO } from '../support/cli.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/k8s-io', import.meta.url));
const BOM = 'tree/images/k8s-staging-bom/images.yaml';
let repo: string;

const git = (args: string[]): string => gitIn(repo, args);

function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const io = captureIO(env);
  const cwd = process.cwd();
  process.chdir(repo);
  return main(argv, io as CliIO)
    .then((code) => ({ code, ...io }))
    .finally(() => process.chdir(cwd));
}

/** A branch off main with `edit` applied to the bom images file, committed or not. */
function branch(name: string, edit: (s: string) => string, opts: { commit: boolean }): void {
  git(['checkout', '-q', '-B', name, 'main']);
  const file = join(repo, BOM);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  if (opts.commit) git(['commit', '-q', '-am', name]);
}

before(() => {
  repo = mkdtempSync(join(tmpdir(), 'kpromo-lint-'));
  cpSync(FIXTURE, join(repo, 'tree'), { recursive: true });
  git(['init', '-q', '-b', 'main']);
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'k8s.io fixtures']);
});
after(() => rmSync(repo, { recursive: true, force: true }));

const lint = (...extra: string[]) => run(['manifest', 'lint', '--thin-manifest-dir', 'tree', ...extra]);
const V040 = '"sha256:93a76b8bf3142c1e5e4729bc40408df0f1e438257944ab07459637ac65767623": ["v0.4.0"]';
const V041 = '"sha256:499bdf4cc0498bbfb2395f8bbaf3b7e9e407cca605aecc46b2ef1b390a0bc4c4": ["v0.4.1"]';

test('the real k8s.io tree with no change is clean (exit 0)', async () => {
  git(['checkout', '-q', 'main']);
  const r = await lint();
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /^no findings in 0 changed files since [0-9a-f]{12}\n$/);
});

test('a committed tag move on a branch is found against the merge base with main, at file:line (exit 1)', async () => {
  branch('move', (s) => s.replace(V040, V040.replace('["v0.4.0"]', '[]')).replace(V041, V041.replace('"v0.4.1"', '"v0.4.0", "v0.4.1"')), { commit: true });
  const r = await lint();
  assert.equal(r.code, 1, r.err);
  assert.equal(
    r.out,
    `${BOM}:6: tag move: bom:v0.4.0 was sha256:93a76b8bf3142c1e5e4729bc40408df0f1e438257944ab07459637ac65767623 and is now sha256:499bdf4cc0498bbfb2395f8bbaf3b7e9e407cca605aecc46b2ef1b390a0bc4c4; promotion refuses to move a tag (and the refusal blocks the whole run): push a new tag instead\n`,
  );
  assert.match(r.err, /^1 finding in 1 changed file since/);
});

test('an uncommitted removal is found too; --base names the revision', async () => {
  branch('removal', (s) => s.replace(`    ${V041}\n`, ''), { commit: false });
  const r = await lint('--base', 'main');
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, new RegExp(`^${BOM}:1: digest sha256:499bdf4c\\w+ of bom removed \\(it was at line 6 before\\)`));
  git(['checkout', '-q', '--', '.']);
});

test('a new digest added in order is clean; with Prow variables the base is PULL_BASE_SHA', async () => {
  const line = `    "sha256:${'e'.repeat(64)}": ["v0.5.2"]\n`;
  branch('grow', (s) => `${s}${line}`, { commit: true });
  const main_ = git(['rev-parse', 'main']).trim();
  const r = await run(['manifest', 'lint', '--thin-manifest-dir', 'tree', '--use-prow-manifest-diff'], { JOB_TYPE: 'presubmit', PULL_BASE_SHA: main_ });
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.err, /no findings in 1 changed file since/);
});

test('a plain manifest (--manifest) is linted the same way', async () => {
  git(['checkout', '-q', 'main']);
  const file = join(repo, 'plain.yaml');
  writeFileSync(file, `registries:\n- name: gcr.io/s\n  src: true\n- name: gcr.io/p\nimages:\n- name: app\n  dmap:\n    "sha256:${'1'.repeat(64)}": ["v1"]\n`);
  git(['add', 'plain.yaml']);
  git(['commit', '-q', '-m', 'plain']);
  writeFileSync(file, readFileSync(file, 'utf8').replace('["v1"]', '[]'));
  const r = await run(['manifest', 'lint', '--manifest', 'plain.yaml', '--base', 'HEAD']);
  assert.equal(r.code, 1, r.err);
  assert.equal(r.out, `plain.yaml:8: tag app:v1 removed from sha256:${'1'.repeat(64)}; promotion never deletes, so removing it only hides what was promoted: keep it\n`);
  git(['checkout', '-q', '--', '.']);
});

test('an unknown base is invalid input (exit 2)', async () => {
  const r = await lint('--base', 'no-such-rev');
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown git revision "no-such-rev"/);
});
