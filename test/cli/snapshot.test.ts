import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { startRegistryServer, type RegistryServer } from '../../src/registry/server/server.js';
import { seedImage, seedIndex, type ImageData, type IndexData } from '../support/seed.js';
import { captureIO } from '../support/cli.js';

let reg: RegistryServer;
let app: IndexData;
let tool: ImageData;
let other: ImageData;

before(async () => {
  reg = await startRegistryServer({ host: '127.0.0.1', port: 0 });
  const target = { url: reg.url };
  app = await seedIndex(target, 'prod/app', 'v1', { seed: 'snap-app' });
  tool = await seedImage(target, 'prod/sub/tool', '1.0', { seed: 'snap-tool' });
  await seedImage(target, 'prod/sub/tool', 'latest', { seed: 'snap-tool' });
  other = await seedImage(target, 'elsewhere/x', 'v1', { seed: 'snap-other' });
  await seedImage(target, 'untagged/only', undefined, { seed: 'snap-untagged' });
});
after(() => reg.stop());

const sorted = (xs: string[]) => [...xs].sort();

test('kpromo cip --snapshot REG/path --output csv lists the path recursively, index children tagless', async () => {
  const io = captureIO();
  const code = await main(['cip', '--snapshot', `${reg.host}/prod`, '--output', 'csv'], io);
  assert.equal(code, 0, io.err);
  const lines = io.out.split('\n');
  assert.equal(lines.at(-1), '');
  assert.equal(lines.at(-2), '', 'upstream prints with Println: one blank line at the end');
  const kids = app.manifests.map((m) => `app@${m.digest},-`);
  assert.deepEqual(
    lines.slice(0, -2),
    [...sorted([`app@${app.digest},app:v1`, ...kids]), `sub/tool@${tool.digest},sub/tool:1.0`, `sub/tool@${tool.digest},sub/tool:latest`],
  );
  assert.ok(!io.out.includes(other.digest));
});

test('kpromo cip --snapshot … --minimal-snapshot --snapshot-tag in YAML', async () => {
  const io = captureIO();
  assert.equal(await main(['cip', '--snapshot', `${reg.host}/prod`, '--minimal-snapshot'], io), 0, io.err);
  assert.equal(
    io.out,
    `- name: app\n  dmap:\n    "${app.digest}": ["v1"]\n- name: sub/tool\n  dmap:\n    "${tool.digest}": ["1.0", "latest"]\n\n`,
  );
  const io2 = captureIO();
  assert.equal(await main(['cip', '--snapshot', `${reg.host}/prod`, '--snapshot-tag', 'latest'], io2), 0, io2.err);
  assert.equal(io2.out, `- name: sub/tool\n  dmap:\n    "${tool.digest}": ["latest"]\n\n`);
});

test('kpromo cip --snapshot with an invalid --output is invalid input (exit 2), nothing read', async () => {
  const io = captureIO();
  reg.resetStats();
  assert.equal(await main(['cip', '--snapshot', `${reg.host}/prod`, '--output', 'json'], io), 2);
  assert.match(io.err, /invalid snapshot output format/);
  assert.equal(reg.stats.total, 0);
});

test('kpromo cip --manifest-based-snapshot-of works from a thin manifest tree, offline', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-mbs-'));
  try {
    const d = (c: string) => `sha256:${c.repeat(64)}`;
    await mkdir(join(dir, 'manifests/p'), { recursive: true });
    await mkdir(join(dir, 'images/p'), { recursive: true });
    await writeFile(
      join(dir, 'manifests/p/promoter-manifest.yaml'),
      'registries:\n- name: staging.example/s\n  src: true\n- name: prod.example/images\n- name: prod.example/images/mirror\n- name: other.example/images\n',
    );
    await writeFile(join(dir, 'images/p/images.yaml'), `- name: app\n  dmap:\n    "${d('b')}": ["v2"]\n    "${d('a')}": ["v1", "latest"]\n- name: base\n  dmap:\n    "${d('c')}": []\n`);
    const io = captureIO();
    const code = await main(['cip', '--thin-manifest-dir', dir, '--manifest-based-snapshot-of', 'prod.example/images', '--output', 'csv'], io);
    assert.equal(code, 0, io.err);
    assert.equal(
      io.out,
      [
        `app@${d('a')},app:latest`,
        `app@${d('a')},app:v1`,
        `app@${d('b')},app:v2`,
        `base@${d('c')},-`,
        `mirror/app@${d('a')},mirror/app:latest`,
        `mirror/app@${d('a')},mirror/app:v1`,
        `mirror/app@${d('b')},mirror/app:v2`,
        `mirror/base@${d('c')},-`,
        '',
        '',
      ].join('\n'),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('kpromo cip --snapshot warns about repositories holding no tags (the registry API cannot list untagged images)', async () => {
  const io = captureIO();
  assert.equal(await main(['cip', '--snapshot', `${reg.host}/untagged`], io), 0, io.err);
  assert.match(io.err, /^warn +snapshot: 1 repository holds no tags and is left out \(untagged images cannot be listed through the registry API\): only$/m);
  const all = captureIO();
  assert.equal(await main(['cip', '--snapshot', `${reg.host}/prod`], all), 0, all.err);
  assert.doesNotMatch(all.err, /no tags/);
});
