import assert from 'node:assert/strict';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempTrees } from '../../test/support/tree.js';
import type { Problem } from '../errors.js';
import { MAX_MANIFEST_FILE_BYTES, readManifestText, readYamlFile } from './read.js';
import { YamlReader } from './yaml.js';
import { makeFifo } from '../../test/support/fifo.js';

const tree = tempTrees();

describe('readManifestText: input caps', () => {
  it('reads a file at the cap', async () => {
    const dir = await tree({});
    const f = join(dir, 'ok.yaml');
    await writeFile(f, 'x'.repeat(100));
    assert.equal(await readManifestText(f, 'manifest file', 100), 'x'.repeat(100));
  });

  it('refuses a file over the cap, naming the file and the limit', async () => {
    const dir = await tree({});
    const f = join(dir, 'big.yaml');
    await writeFile(f, 'x'.repeat(101));
    const p = (await readManifestText(f, 'manifest file', 100)) as Problem;
    assert.equal(p.file, f);
    assert.match(p.message, /^manifest file is too large: .*the limit is .*\(100 bytes\)$/);
  });

  it('refuses a huge (sparse) file from its size, without reading it', async () => {
    const dir = await tree({});
    const f = join(dir, 'huge.yaml');
    await writeFile(f, '');
    await truncate(f, 4 * 1024 ** 3); // reading 4 GiB whole would fail differently (over the 2 GiB Buffer limit)
    const p = (await readYamlFile(f, 'manifest file')) as Problem;
    assert.ok(!(p instanceof YamlReader));
    assert.equal(p.message, `manifest file is too large: 4096.0 MiB; the limit is 8.0 MiB (${MAX_MANIFEST_FILE_BYTES} bytes)`);
  });

  it('refuses a FIFO without blocking on it', { timeout: 60_000 }, async (t) => {
    const dir = await tree({});
    const fifo = join(dir, 'pipe.yaml');
    makeFifo(fifo, t);
    const p = (await readYamlFile(fifo, 'manifest file')) as Problem;
    assert.equal(p.message, 'cannot read manifest file: is a FIFO (named pipe), expected a regular file');
  });

  it('refuses a character device', async () => {
    const p = (await readYamlFile('/dev/zero', 'manifest file')) as Problem;
    assert.equal(p.message, 'cannot read manifest file: is a character device, expected a regular file');
  });

  it('refuses a directory', async () => {
    const dir = await tree({});
    const p = (await readYamlFile(dir, 'manifest file')) as Problem;
    assert.equal(p.message, 'cannot read manifest file: is a directory, expected a regular file');
  });
});
