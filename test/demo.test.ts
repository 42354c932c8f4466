import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CliIO } from '../src/cli/main.js';
import { runDemo } from '../src/demo/run.js';
import { MIRROR_COUNT, sampleImages } from '../src/demo/setup.js';

test('the demo promotes every sample image to every mirror, and the second run writes nothing', async () => {
  const io = { out: '', err: '', isTTY: false, env: {} as NodeJS.ProcessEnv, stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
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

  const plain = { out: '', err: '', isTTY: false, env: {} as NodeJS.ProcessEnv, stdout: (s: string) => void (plain.out += s), stderr: (s: string) => void (plain.err += s) };
  await runDemo(plain as CliIO);
  assert.ok(!plain.err.includes('\x1b['), 'no terminal control codes off a terminal');
  assert.ok(!/^done: /m.test(plain.err));
});
