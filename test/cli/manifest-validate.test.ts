import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIO } from '../../src/cli/main.js';
import { captureIO } from '../support/cli.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/k8s-io', import.meta.url));
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kpromo-validate-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[]) {
  const io = captureIO();
  return main(argv, io as CliIO).then((code) => ({ code, ...io }));
}

const HEX = 'a'.repeat(64);
function write(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

test('manifest validate: the real k8s.io tree is valid and summarized', async () => {
  const r = await run(['manifest', 'validate', '--thin-manifest-dir', FIXTURE]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^image manifests valid: 15 manifests, \d+ images, \d+ digests, \d+ tags, \d+ edges\n$/);
});

test('manifest validate: a file-manifest directory as upstream lays it out', async () => {
  write('files/filestores/p/filepromoter-manifest.yaml', 'filestores:\n- base: gs://staging/p/\n  src: true\n- base: s3://prod/p/\n');
  write('files/manifests/p/a.yaml', `files:\n- name: a.tar.gz\n  sha256: ${HEX}\n`);
  write('files/manifests/p/b.yaml', `files:\n- name: b.tar.gz\n  sha256: ${HEX}\n`);
  const r = await run(['manifest', 'validate', join(dir, 'files')]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'file manifests valid: 1 project, 2 filestores, 2 files\n');
});

test("manifest validate: file-manifest problems in upstream's words (exit 2)", async () => {
  const stores = write('bad/stores.yaml', 'filestores:\n- base: http://x/\n  src: true\n');
  const files = write('bad/files.yaml', 'files:\n- name: a\n  sha256: zz\n- sha256: ' + HEX + '\n');
  const r = await run(['manifest', 'validate', stores, files]);
  assert.equal(r.code, 2);
  for (const want of ['filestore has unsupported scheme in base "http://x/"', 'no destination filestores found', 'sha256 was not valid (not hex) for file "a"', 'name is required for file']) {
    assert.ok(r.err.includes(want), `${want}\n${r.err}`);
  }
});

test('manifest files: relative paths and sha256 of every file, sorted, with --prefix', async () => {
  write('tree/b.txt', 'bee\n');
  write('tree/sub/a.txt', 'ay\n');
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const r = await run(['manifest', 'files', '--src', join(dir, 'tree'), '--prefix', 'v1/']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `files:\n- name: v1/b.txt\n  sha256: ${sha('bee\n')}\n- name: v1/sub/a.txt\n  sha256: ${sha('ay\n')}\n`);
});
