/**
 * `kpromo cip` end to end through main(): dry run prints the plan and writes nothing, --confirm
 * promotes and writes the report, a refused tag move exits 1 with the report naming it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isolatedEnv, runCli, type CliResult } from '../support/cli.js';
import { buildImage, fetchManifest, pushImage, seedImage, type ImageData } from '../support/seed.js';
import { assertHasImage, startEnv, writeManifest, type E2eEnv } from './harness.js';

let env: E2eEnv;
let img: ImageData;

before(async () => {
  env = await startEnv(2);
  img = buildImage({ seed: 'cli-app', layers: 2 });
  await pushImage(env.staging, 'staging/app', img, 'v1');
});
after(() => env.stop());

const cli = (args: string[]): Promise<CliResult> => runCli(args, isolatedEnv(env.dir));

test('kpromo cip: dry run, then --confirm with a report, then a tag move exits 1', async () => {
  const [m0, m1] = env.mirrors as [E2eEnv['mirrors'][0], E2eEnv['mirrors'][0]];
  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/prod`, `${m1.host}/prod`], [
    { name: 'app', dmap: { [img.digest]: ['v1'] } },
  ]);

  const dry = await cli(['cip', '--manifest', manifest]);
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /plan: 2 to promote/);
  assert.match(dry.out, /dry run: nothing was written/);
  assert.equal((await fetchManifest(m0, 'prod/app', 'v1')).status, 404);

  const report = join(env.dir, 'report.json');
  const run = await cli(['cip', '--manifest', manifest, '--confirm', '--sign=false', '--report-file', report]);
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /promoted 2, already present 0/);
  for (const m of [m0, m1]) await assertHasImage(m, 'prod/app', img, 'v1');
  const doc = JSON.parse(await readFile(report, 'utf8'));
  assert.equal(doc.mode, 'promote');
  assert.deepEqual(doc.outcomes.map((o: { outcome: string }) => o.outcome), ['promoted', 'promoted']);
  assert.ok(doc.requests.some((h: { host: string; requests: number }) => h.host === m0.host && h.requests > 0));
  // --sign=false and no verification flag: no provenance or validate phase; the staging reads
  // beyond the copy are the attachment lookups of the referrers phase (one tag list per repository)
  assert.deepEqual(doc.phases.map((p: { name: string }) => p.name), ['setup', 'plan', 'referrers', 'promote', 'carry', 'sign', 'attest']);
  const src = doc.requests.find((h: { host: string }) => h.host === env.staging.host) as { byKind: Record<string, number> };
  assert.deepEqual(Object.keys(src.byKind).filter((k) => !['ping', 'token', 'manifest-get', 'blob-get', 'tags', 'referrers'].includes(k)), [], JSON.stringify(src.byKind));
  assert.ok((src.byKind.tags ?? 0) <= 1, JSON.stringify(src.byKind));

  // A second manifest wants v1 to be another image on the same mirrors: refused, exit 1.
  const other = await seedImage(env.staging, 'staging/app', 'v2', { seed: 'cli-other' });
  const moving = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/prod`], [
    { name: 'app', dmap: { [other.digest]: ['v1', 'v2'] } },
  ]);
  const moved = await cli(['cip', '--manifest', moving, '--confirm', '--sign=false', '--report-file', report]);
  assert.equal(moved.code, 1, moved.err);
  assert.match(moved.err, /tag move refused/);
  const doc2 = JSON.parse(await readFile(report, 'utf8'));
  assert.deepEqual(
    doc2.outcomes.map((o: { tag: string; outcome: string }) => [o.tag, o.outcome]),
    [['v1', 'refused-tag-move'], ['v2', 'promoted']],
  );
  const still = await fetchManifest(m0, 'prod/app', 'v1');
  assert.ok(Buffer.from(still.body).equals(Buffer.from(img.bytes)), 'v1 still points at the first image');
});
