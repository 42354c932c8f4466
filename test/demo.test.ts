import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CliIO } from '../src/cli/main.js';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../src/cli/demo/run.js';
import { MIRROR_COUNT, MIRROR_PATH, sampleImages } from '../src/cli/demo/setup.js';
import { captureIO } from './support/cli.js';

test('the demo promotes every sample image to every mirror, and the second run writes nothing', async () => {
  const io = captureIO();
  const r = await runDemo(io as CliIO);
  assert.equal(r.firstExit, 0, io.err);
  assert.equal(r.secondExit, 0, io.err);
  assert.equal(r.mirrors.length, MIRROR_COUNT);

  const samples = sampleImages();
  const expectedTags = samples
    .flatMap((i) => i.tags.map((tag) => ({ name: i.name, tag, digest: i.manifest.digest })))
    .sort((a, b) => (`${a.name}:${a.tag}` < `${b.name}:${b.tag}` ? -1 : 1));
  assert.deepEqual(r.expected.length, expectedTags.length);
  const index = samples.find((i) => 'manifests' in i.manifest)!;
  assert.ok(index, 'the samples include a multi-platform index');
  const indexChildren = 'manifests' in index.manifest ? index.manifest.manifests : [];
  const children = indexChildren.map((c) => `${index.name}@${c.digest}`).sort();

  for (const m of r.mirrors) {
    assert.deepEqual(m.tags, expectedTags, `tags on ${m.registry}`);
    assert.deepEqual([...m.untagged].sort(), children, `index children on ${m.registry}`);
  }
  // Canonical placement: every promoted digest (each image, the index and its children) is signed
  // once, on the first mirror only; one promotion attestation per promoted (manifest) digest.
  const signedDigests = samples.length + indexChildren.length;
  const [first, ...rest] = r.mirrors;
  assert.equal(first!.signatures.length, signedDigests, `signatures on ${first!.registry}`);
  assert.equal(first!.attestations, samples.length, `attestations on ${first!.registry}`);
  for (const m of rest) assert.deepEqual([m.signatures.length, m.attestations], [0, 0], `no signatures on ${m.registry}`);
  assert.equal(r.secondRunWrites, 0, 'the second run must not write to any mirror');
  assert.match(io.out, /where everything went/);
});

test('on a terminal the demo shows copy progress and a summary; off a terminal it draws nothing', async () => {
  const tty = { out: '', err: '', isTTY: true, env: {} as NodeJS.ProcessEnv, stdout: (s: string) => void (tty.out += s), stderr: (s: string) => void (tty.err += s) };
  const r = await runDemo(tty as CliIO);
  assert.equal(r.firstExit, 0, tty.err);
  assert.match(tty.err, /\r\x1b\[2Kpromote +\d+\/\d+ image × destination copies/);
  assert.match(tty.err, /done: promote: \d+ image × destination copies, [\d.]+ KiB/);
  assert.match(tty.err, /done: nothing to do/); // the second run copies nothing

  const plain = captureIO();
  await runDemo(plain as CliIO);
  assert.ok(!plain.err.includes('\x1b['), 'no terminal control codes off a terminal');
  assert.ok(!/^done: /m.test(plain.err));
});

test('--keep: the manifests and registries stay in the directory, printed with the commands to run it again; the mirrors serve the exact bytes', async () => {
  const keep = await mkdtemp(join(tmpdir(), 'kpromo-demo-keep-'));
  try {
    const io = captureIO();
    const samples = sampleImages();
    const seen: string[] = [];
    const r = await runDemo(io as CliIO, {
      keep,
      // read every mirror with plain HTTP, not through kpromo: each tag serves bytes hashing to the sample's digest
      inspect: async (world) => {
        for (const m of world.mirrors) {
          for (const img of samples) {
            for (const tag of img.tags) {
              const res = await fetch(`http://${m.host}/v2/${MIRROR_PATH}/${img.name}/manifests/${tag}`, { headers: { accept: img.manifest.mediaType } });
              assert.equal(res.status, 200, `${m.host} ${img.name}:${tag}`);
              const bytes = Buffer.from(await res.arrayBuffer());
              assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, img.manifest.digest);
              seen.push(`${img.name}:${tag}`);
            }
          }
        }
      },
    });
    assert.equal(r.firstExit, 0, io.err);
    assert.equal(seen.length, MIRROR_COUNT * samples.reduce((n, i) => n + i.tags.length, 0));
    const images = await readFile(join(keep, 'images/k8s-staging-demo/images.yaml'), 'utf8');
    for (const img of samples) assert.ok(images.includes(img.manifest.digest), 'the kept images.yaml promotes every sample');
    assert.ok(io.out.includes(images.trimEnd()), 'the manifests are printed');
    assert.match(io.out, new RegExp(`kpromo registry serve --addr 127\\.0\\.0\\.1:\\d+ --dir ${keep}/registries/staging`));
    assert.match(io.out, new RegExp(`kpromo cip --thin-manifest-dir ${keep} --confirm --signing-key ${keep}/demo-signing-key\\.pem`));
    assert.ok((await readdir(join(keep, 'registries'))).length === MIRROR_COUNT + 1, 'one store per registry');
    // a second --keep into the same, now full, directory is refused before anything starts
    await assert.rejects(runDemo(io as CliIO, { keep }), /not empty/);
  } finally {
    await rm(keep, { recursive: true, force: true });
  }
});
