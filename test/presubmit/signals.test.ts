/**
 * SIGINT / SIGTERM to a real `kpromo cip --confirm` child process promoting into a real
 * Distribution slowed by the fault proxy: the run stops, writes the report with every edge
 * marked, prints the summary on stderr and exits 130 / 143; every tag the registry shows
 * resolves to a complete image. A second signal exits at once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, fetchTags, pushImage, type ImageData } from '../support/seed.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { assertHasImage, startEnv, writeManifest, type E2eEnv } from '../e2e/harness.js';
import { startCli } from './child.js';

const IMAGES = 16;
let env: E2eEnv;
let proxy: FaultProxy;
let images: ImageData[];

before(async () => {
  env = await startEnv(1);
  images = Array.from({ length: IMAGES }, (_, i) => buildImage({ seed: `signal-${i}`, layers: 2 }));
  for (const [i, img] of images.entries()) await pushImage(env.staging, 'staging/app', img, `v${i}`);
  // every request to the mirror waits a little, so the promotion is still copying when the signal comes
  proxy = await startFaultProxy({ target: env.mirrors[0]!.url, latency: { ms: 60 } });
});
after(async () => {
  await proxy.stop();
  await env.stop();
});

/** Whether a JSON log line is a successful manifest PUT (a tag became visible). */
const tagWritten = (line: string): boolean => {
  try {
    const r = JSON.parse(line) as { msg?: string; kind?: string; status?: number };
    return r.msg === 'registry request' && r.kind === 'manifest-put' && r.status === 201;
  } catch {
    return false;
  }
};

async function promoteAndStop(repo: string, signals: NodeJS.Signals[]) {
  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${proxy.host}/${repo}`], [
    { name: 'app', dmap: Object.fromEntries(images.map((img, i) => [img.digest, [`v${i}`]])) },
  ]);
  const report = join(env.dir, `${repo}-report.json`);
  const cli = startCli(
    ['cip', '--manifest', manifest, '--confirm', '--sign=false', '--report-file', report, '--registry-max-in-flight', '2', '--log-level', 'debug', '--log-format', 'json'],
    { HOME: env.dir, DOCKER_CONFIG: env.dir },
  );
  try {
    await cli.waitForLine(tagWritten); // the first tag is visible: the copy is under way
    for (const s of signals) cli.child.kill(s);
    const exit = await cli.exited;
    return { exit, report, out: cli.stdout(), err: cli.stderr() };
  } finally {
    cli.kill();
  }
}

/** Every tag the mirror shows for `repo` resolves to the complete image the manifest names. */
async function assertVisibleTagsComplete(repo: string): Promise<string[]> {
  const tags = await fetchTags(env.mirrors[0]!, `${repo}/app`);
  for (const tag of tags) await assertHasImage(env.mirrors[0]!, `${repo}/app`, images[Number(tag.slice(1))]!, tag);
  return tags;
}

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${sig} during the copy: exit ${code}, summary on stderr, every edge marked in the report, no partial tag`, async () => {
    const repo = sig.toLowerCase();
    const r = await promoteAndStop(repo, [sig]);
    assert.deepEqual(r.exit, { code, signal: null }, r.err);
    assert.match(r.err, new RegExp(`interrupted by ${sig} during promote: promoted \\d+, interrupted \\d+, not attempted \\d+ \\(of ${IMAGES} edges\\); report: `));
    const doc = JSON.parse(await readFile(r.report, 'utf8'));
    assert.equal(doc.interrupted.reason, `interrupted by ${sig}`);
    assert.equal(doc.interrupted.phase, 'promote', r.err);
    assert.equal(doc.outcomes.length, IMAGES);
    const by = (k: string) => doc.outcomes.filter((o: { outcome: string }) => o.outcome === k).map((o: { tag: string }) => o.tag);
    for (const o of doc.outcomes) assert.ok(['promoted', 'interrupted', 'not-attempted'].includes(o.outcome), JSON.stringify(o));
    assert.ok(by('promoted').length >= 1, 'the tag seen written is reported promoted');
    assert.ok(by('promoted').length < IMAGES, `the signal came before the end\n${r.err}`);
    assert.deepEqual(doc.counts.promoted + doc.counts.interrupted + doc.counts['not-attempted'], IMAGES);
    // nothing half-visible: each visible tag is complete, and each promoted edge is visible
    const visible = await assertVisibleTagsComplete(repo);
    for (const t of by('promoted')) assert.ok(visible.includes(t), `promoted ${t} is visible`);
    assert.match(r.out, /promoted \d+, already present 0, .*interrupted \d+, not attempted \d+/);
  });
}

test('a second signal exits at once, without a report; what is visible is still complete', async () => {
  // two different signals back to back (two of the same kind may merge into one delivery); the
  // process may handle them in either order, and exits with the code of the second
  const r = await promoteAndStop('twice', ['SIGINT', 'SIGTERM']);
  const second = /(SIGINT|SIGTERM) again: exiting at once/.exec(r.err)?.[1];
  assert.ok(second, r.err);
  assert.deepEqual(r.exit, { code: second === 'SIGINT' ? 130 : 143, signal: null }, r.err);
  assert.doesNotMatch(r.err, /during promote: promoted/, 'no summary: it exited at once');
  await assert.rejects(stat(r.report), { code: 'ENOENT' });
  await assertVisibleTagsComplete('twice');
});
