/**
 * Input caps of `kpromo cip` manifests, through the CLI: an oversized manifest is refused from
 * its size, a FIFO is refused without blocking, and a manifest with thousands of problems
 * prints the first hundred plus a count.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, type CliResult } from '../support/cli.js';
import { MAX_MANIFEST_FILE_BYTES } from '../../src/manifest/read.js';
import { tempTrees } from '../support/tree.js';
import { makeFifo } from '../support/fifo.js';

const tree = tempTrees();
const D = (i: number) => 'sha256:' + i.toString(16).padStart(64, '0');

const run = (...argv: string[]): Promise<CliResult> => runCli(argv);

describe('kpromo cip: manifest input caps', () => {
  it('refuses a 33 MiB manifest with one line naming the file and the limit', async () => {
    const dir = await tree({});
    const file = join(dir, 'big.yaml');
    const line = '# a comment line that is cheap to parse, were the file ever read\n';
    await writeFile(file, line.repeat(Math.ceil((33 * 1024 * 1024) / line.length)));
    const r = await run('cip', '--manifest', file, '--parse-only');
    assert.equal(r.code, 2, r.err);
    assert.equal(
      r.err,
      `error: invalid input (1 problem):\n  ${file}: manifest file is too large: 33.0 MiB; the limit is 8.0 MiB (${MAX_MANIFEST_FILE_BYTES} bytes)\n`,
    );
  });

  it('prints 100 of 10,000 problems and counts the rest', async () => {
    const dir = await tree({});
    const file = join(dir, 'bad.yaml');
    const images = Array.from({ length: 10_000 }, (_, i) => `- name: app${i}\n  dmap:\n    "${D(i)}": [".bad"]\n`);
    await writeFile(file, `registries:\n- name: gcr.io/s\n  src: true\n- name: gcr.io/d\nimages:\n${images.join('')}`);
    const r = await run('cip', '--manifest', file, '--parse-only');
    assert.equal(r.code, 2);
    const lines = r.err.trimEnd().split('\n');
    assert.equal(lines[0], 'error: invalid input (10000 problems):');
    assert.equal(lines.length, 1 + 100 + 1);
    assert.match(lines[1]!, new RegExp(`^  ${file}:8:5: invalid tag: "\\.bad" \\(image "app0"\\)`));
    assert.equal(lines[101], '  … and 9,900 more problems');
  });

  it('refuses a FIFO given as --manifest without blocking', { timeout: 60_000 }, async (t) => {
    const dir = await tree({});
    const fifo = join(dir, 'm.yaml');
    makeFifo(fifo, t);
    const r = await run('cip', '--manifest', fifo, '--parse-only');
    assert.equal(r.code, 2);
    assert.match(r.err, /m\.yaml: cannot read manifest file: is a FIFO \(named pipe\), expected a regular file/);
  });

  it('refuses a FIFO as a thin promoter-manifest.yaml without blocking', { timeout: 60_000 }, async (t) => {
    const dir = await tree({ 'images/p/images.yaml': `- name: app\n  dmap:\n    "${D(1)}": ["v1"]\n`, 'manifests/p': null });
    const fifo = join(dir, 'manifests', 'p', 'promoter-manifest.yaml');
    makeFifo(fifo, t);
    const r = await run('cip', '--thin-manifest-dir', dir, '--parse-only');
    assert.equal(r.code, 2);
    assert.match(r.err, /promoter-manifest\.yaml: cannot read thin manifest: is a FIFO \(named pipe\), expected a regular file/);
  });
});
