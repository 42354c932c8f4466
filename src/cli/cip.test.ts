import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { tempTrees } from '../../test/support/tree.js';
import { runCli, type CliResult } from '../../test/support/cli.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SHARED = join(REPO, '..', 'shared');
const K8S_IO = join(SHARED, 'fixtures', 'k8s-io');
const WITHOUT_IMAGES = join(SHARED, 'fixtures', 'k8s-io-extras', 'manifests-without-images');
const D = (c: string) => 'sha256:' + c.repeat(64);

/** Runs the CLI with captured output. */
const run = (...argv: string[]): Promise<CliResult> => runCli(argv);

const tree = tempTrees();

const GOOD = `registries:\n- name: gcr.io/staging\n  src: true\n- name: us.gcr.io/prod\nimages:\n- name: app\n  dmap:\n    "${D('1')}": ["v1", "latest"]\n    "${D('2')}": []\n`;

/**
 * Counts of the real tree by a different method than the loader: regexes over the raw text
 * (the fixture writes every digest as `"sha256:…": [tags]` on one line).
 */
function countFixture(root: string) {
  let images = 0, digests = 0, tags = 0, edges = 0;
  const projects = readdirSync(join(root, 'manifests'));
  for (const p of projects) {
    const pm = readFileSync(join(root, 'manifests', p, 'promoter-manifest.yaml'), 'utf8');
    const regs = new Set([...pm.matchAll(/^\s*-\s+name:\s*"?([^\s"]+)/gm)].map((x) => x[1]));
    const destinations = regs.size - 1;
    const text = readFileSync(join(root, 'images', p, 'images.yaml'), 'utf8');
    images += (text.match(/^- name: /gm) ?? []).length;
    for (const line of text.match(/^\s+"sha256:[0-9a-f]{64}": \[.*\]/gm) ?? []) {
      const n = (line.split('[')[1]!.match(/"[^"]+"/g) ?? []).length;
      digests++;
      tags += n;
      edges += destinations * Math.max(1, n);
    }
  }
  return { manifests: projects.length, images, digests, tags, edges };
}

describe('kpromo cip --parse-only', () => {
  it('parses the real k8s.io thin-manifest tree offline, with counts cross-checked independently', async (t) => {
    const dir = await tree({});
    const report = join(dir, 'report.json');
    const r = await run('cip', '--thin-manifest-dir', K8S_IO, '--parse-only', '--report-file', report);
    assert.equal(r.code, 0, r.err);
    const want = countFixture(K8S_IO);
    // Pinned as well, so that a change in the fixture or in both methods is noticed.
    assert.deepEqual(want, { manifests: 15, images: 67, digests: 1244, tags: 1258, edges: 28706 });
    assert.match(r.out, /parsed 15 manifests: 67 images, 1244 digests, 1258 tags/);
    assert.match(r.out, /planned 28706 edges/);
    assert.match(r.err, /k8s-staging-boskos\/promoter-manifest.yaml:47:3: destination registry .* is listed more than once/);
    const json = JSON.parse(await readFile(report, 'utf8'));
    assert.deepEqual(json.summary, want);
    assert.equal(json.mode, 'parse-only');
    assert.equal(json.edges.length, want.edges);
    assert.deepEqual(Object.keys(json.edges[0]), ['srcRegistry', 'srcImage', 'dstRegistry', 'dstImage', 'digest', 'tag']);
    assert.ok(!json.edges.some((e: { srcRegistry: string; dstRegistry: string }) => e.srcRegistry.startsWith('gcr.io/k8s-staging-aws')), 'misplaced images/*/promoter-manifest.yaml is ignored');
    t.diagnostic(`edges: ${json.edges.length}`);
  });

  it('a directory of manifests without images.yaml fails with exit 2 and a clear message', async () => {
    const r = await run('cip', '--thin-manifest-dir', WITHOUT_IMAGES, '--parse-only');
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.match(r.err, /not a thin manifest directory: "images\/" and "manifests\/" missing/);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  });

  it('writes tagless edges with tag null, and the summary', async () => {
    const dir = await tree({ 'm.yaml': GOOD });
    const r = await run('cip', '--manifest', join(dir, 'm.yaml'), '--parse-only', '--report-file', join(dir, 'r.json'));
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    assert.deepEqual(json.summary, { manifests: 1, images: 1, digests: 2, tags: 2, edges: 3 });
    assert.deepEqual(json.edges[2], { srcRegistry: 'gcr.io/staging', srcImage: 'app', dstRegistry: 'us.gcr.io/prod', dstImage: 'app', digest: D('2'), tag: null });
    assert.deepEqual(readdirSync(dir).sort(), ['m.yaml', 'r.json'], 'no temp file left behind');
  });

  it('reports every manifest problem with file:line:col, exit 2, no stack trace', async () => {
    const dir = await tree({ 'm.yaml': GOOD.replace('"latest"', '"la test"').replace('src: true', 'src: true\n  sorc: x') + 'extra: 1\n' });
    const r = await run('cip', '--manifest', join(dir, 'm.yaml'), '--parse-only');
    assert.equal(r.code, 2);
    assert.match(r.err, /invalid input \(3 problems\)/);
    assert.ok(r.err.includes(`${join(dir, 'm.yaml')}:4:3: unknown key "sorc"`), r.err);
    assert.ok(r.err.includes(`${join(dir, 'm.yaml')}:11:1: unknown key "extra"`), r.err);
    assert.ok(r.err.includes(`${join(dir, 'm.yaml')}:9:5: invalid tag: "la test"`), r.err);
    assert.doesNotMatch(r.err, /\n\s+at /);
  });

  it('overlapping edges fail with exit 2', async () => {
    const dir = await tree({ 'm.yaml': GOOD.replace('[]', '["v1"]') });
    const r = await run('cip', '--manifest', join(dir, 'm.yaml'), '--parse-only');
    assert.equal(r.code, 2);
    assert.match(r.err, /overlapping edges detected: tag "v1" of image "app"/);
  });
});

describe('kpromo cip flags', () => {
  const cases: { name: string; argv: string[]; code: number; err: RegExp }[] = [
    { name: 'no manifest', argv: ['--parse-only'], code: 2, err: /at least a manifest file or thin manifest directory have to be specified/ },
    { name: 'invalid --output', argv: ['--snapshot', 'r.io/x', '--output', 'json'], code: 2, err: /invalid snapshot output format: "json" \(use yaml or csv\)/ },
    {
      name: 'exact and regexp identity together',
      argv: ['--manifest', 'm', '--certificate-identity', 'a', '--certificate-identity-regexp', 'a.*'],
      code: 2,
      err: /--certificate-identity and --certificate-identity-regexp are mutually exclusive/,
    },
    { name: 'bad boolean value', argv: ['--manifest', 'm', '--confirm=maybe'], code: 2, err: /invalid value "maybe" for --confirm: use --confirm, --confirm=true or --confirm=false/ },
    { name: 'bad number', argv: ['--manifest', 'm', '--max-signature-ops', 'ten'], code: 2, err: /invalid value "ten" for --max-signature-ops/ },
    { name: 'bad log level', argv: ['--manifest', 'm', '--log-level', 'loud'], code: 2, err: /invalid --log-level "loud"/ },
    { name: 'unknown flag', argv: ['--manifest', 'm', '--frobnicate'], code: 2, err: /unknown option '--frobnicate'/ },
    { name: 'scan mode is not supported', argv: ['--manifest', 'm', '--vuln-severity-threshold', '3'], code: 2, err: /not supported: .*Grafeas/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await run('cip', ...c.argv);
      assert.equal(r.code, c.code, r.err);
      assert.match(r.err, c.err);
    });
  }

  it('all flag problems are reported together', async () => {
    const r = await run('cip', '--manifest-based-snapshot-of', 'r.io/x', '--output', 'xml', '--confirm=nope', '--log-level', 'loud');
    assert.equal(r.code, 2);
    assert.match(r.err, /invalid input \(4 problems\)/);
  });

  it('removed upstream flags are accepted with a warning; --sign=false and negative numbers parse', async () => {
    const dir = await tree({ 'm.yaml': GOOD });
    const r = await run('cip', '--manifest', join(dir, 'm.yaml'), '--parse-only', '--use-service-account', '--key-files', 'k.json', '--sign=false', '--vuln-severity-threshold', '-1');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /warn  --use-service-account is ignored: /);
    assert.match(r.err, /warn  --key-files is ignored: /);
  });

  it('--help lists the upstream flags and hides the removed ones', async () => {
    const r = await run('cip', '--help');
    assert.equal(r.code, 0);
    for (const f of ['--manifest', '--thin-manifest-dir', '--confirm', '--parse-only', '--snapshot', '--output', '--sign', '--certificate-oidc-issuer-regexp', '--report-file', '--allowed-builders']) {
      assert.ok(r.out.includes(f), f);
    }
    assert.ok(!r.out.includes('--key-files') && !r.out.includes('--max-image-size'));
  });
});
