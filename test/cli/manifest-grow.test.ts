import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIO } from '../../src/cli/main.js';
import { startDistribution, type Distribution } from '../support/distribution.js';
import { seedImage, seedIndex, type ImageData, type IndexData } from '../support/seed.js';
import { captureIO } from '../support/cli.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/k8s-io', import.meta.url));
let reg: Distribution;
const dirs: string[] = [];
let index: IndexData;
let v060: ImageData;

before(async () => {
  reg = await startDistribution();
  const target = { url: reg.url };
  // staging for bom: a new single image, a multi-arch index (its children carry no tags of their own),
  // latest on the new image, an already-listed tag, and a mock/ image
  v060 = await seedImage(target, 'k8s-staging-bom/bom', 'v0.6.0', { seed: 'grow-bom-v060' });
  await seedImage(target, 'k8s-staging-bom/bom', 'latest', { seed: 'grow-bom-v060' });
  index = await seedIndex(target, 'k8s-staging-bom/bom', 'v0.7.0', { seed: 'grow-bom-v070' });
  await seedImage(target, 'k8s-staging-bom/mock/bom', 'v1', { seed: 'grow-mock' });
});
after(async () => {
  await reg.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the real k8s.io tree whose bom manifest reads from the Distribution's staging path. */
function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kpromo-grow-'));
  dirs.push(dir);
  cpSync(FIXTURE, join(dir, 'tree'), { recursive: true });
  const m = join(dir, 'tree/manifests/k8s-staging-bom/promoter-manifest.yaml');
  writeFileSync(m, readFileSync(m, 'utf8').replace('name: gcr.io/k8s-staging-bom', `name: ${reg.host}/k8s-staging-bom`));
  return join(dir, 'tree');
}

function run(argv: string[]) {
  const io = captureIO();
  return main(argv, io as CliIO).then((code) => ({ code, ...io }));
}

test('manifest grow reads a real Distribution and adds exactly the new digests to the real bom images.yaml', async () => {
  const t = tree();
  const file = join(t, 'images/k8s-staging-bom/images.yaml');
  const before_ = readFileSync(file, 'utf8');
  const args = ['manifest', 'grow', '--thin-manifest-dir', t, '--staging-repo', `${reg.host}/k8s-staging-bom`];

  const dry = await run([...args, '--dry-run']);
  assert.equal(dry.code, 0, dry.err);
  assert.equal(readFileSync(file, 'utf8'), before_, 'a dry run writes nothing');
  const added = dry.out.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
  const removed = dry.out.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
  assert.deepEqual(removed, []);
  assert.deepEqual(added, [`+    "${v060.digest}": ["v0.6.0"]`, `+    "${index.digest}": ["v0.7.0"]`]);

  const real = await run(args);
  assert.equal(real.code, 0, real.err);
  const after_ = readFileSync(file, 'utf8');
  assert.equal(after_, `${before_}    "${v060.digest}": ["v0.6.0"]\n    "${index.digest}": ["v0.7.0"]\n`);

  const again = await run(args);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /nothing to add/);
  assert.equal(readFileSync(file, 'utf8'), after_);
});

test('manifest grow: a filter matching nothing and --tag latest are errors (exit 2)', async () => {
  const t = tree();
  const args = ['manifest', 'grow', '--thin-manifest-dir', t, '--project', 'bom'];
  const none = await run([...args, '--tag', 'v9.*']);
  assert.equal(none.code, 2);
  assert.match(none.err, /no images survived filtering \(--tag v9\.\*\)/);
  const latest = await run([...args, '--tag', 'latest']);
  assert.equal(latest.code, 2);
  assert.match(latest.err, /"latest" tag is never promoted/);
});

test('manifest grow refuses a tag that the images file gives to another digest (a tag move)', async () => {
  const t = tree();
  const file = join(t, 'images/k8s-staging-bom/images.yaml');
  const text = readFileSync(file, 'utf8');
  // the file says v0.6.0 is some other digest: staging's v0.6.0 would move it
  writeFileSync(file, `${text}    "sha256:${'0'.repeat(64)}": ["v0.6.0"]\n`);
  const r = await run(['manifest', 'grow', '--thin-manifest-dir', t, '--project', 'bom', '--tag', 'v0.6.0']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /images\.yaml:9:5: tag move refused: bom:v0\.6\.0 is listed for sha256:0{64}/);
});

test('manifest grow --manifest: a plain manifest grows under images:, comments and registries untouched', async () => {
  const d = mkdtempSync(join(tmpdir(), 'kpromo-grow-plain-'));
  dirs.push(d);
  const file = join(d, 'promoter-manifest.yaml');
  const text = `# staging for bom\nregistries:\n- name: ${reg.host}/k8s-staging-bom\n  src: true\n- name: prod.example/bom\nimages:\n- name: bom # the tool\n  dmap:\n    "sha256:${'1'.repeat(64)}": ["v0.1.0"]\n`;
  writeFileSync(file, text);
  const r = await run(['manifest', 'grow', '--manifest', file, '--image', 'bom', '--tag', 'v0.6.0']);
  assert.equal(r.code, 0, r.err);
  assert.equal(readFileSync(file, 'utf8'), `${text}    "${v060.digest}": ["v0.6.0"]\n`);
});
