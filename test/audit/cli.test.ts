/**
 * `kpromo audit` through main() against real Distribution registries: clean after a promotion
 * (exit 0), then a missing mirror, a moved tag, an unexpected tag and unsigned images (exit 1,
 * table and --report-file JSON); --fix promotes the missing ones and moves nothing. And
 * `kpromo audit serve` as a child process: SIGTERM finishes the events in hand and exits 0.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { isolatedEnv, runCli, type CliResult } from '../support/cli.js';
import { buildImage, fetchManifest, pushImage, type ImageData } from '../support/seed.js';
import { promote, startEnv, writeManifest, type E2eEnv } from '../e2e/harness.js';

let env: E2eEnv;
let img: ImageData;
let manifest: string;

before(async () => {
  env = await startEnv(2);
  img = await pushImage(env.staging, 'staging/app', buildImage({ seed: 'audit-cli' }), 'v1');
  const [m0, m1] = env.mirrors as [E2eEnv['mirrors'][0], E2eEnv['mirrors'][0]];
  manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/prod`, `${m1.host}/prod`], [{ name: 'app', dmap: { [img.digest]: ['v1', 'stable'] } }]);
});
after(() => env.stop());

const cli = (args: string[]): Promise<CliResult> => runCli(args, isolatedEnv(env.dir));

test('kpromo audit: clean, then findings with exit 1 and a JSON report; --fix promotes only the missing', async () => {
  const [m0, m1] = env.mirrors as [E2eEnv['mirrors'][0], E2eEnv['mirrors'][0]];
  // only the first mirror is promoted: the second is missing both tags
  const first = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/prod`], [{ name: 'app', dmap: { [img.digest]: ['v1', 'stable'] } }]);
  assert.equal((await promote(first)).failure, undefined);
  const clean = await cli(['audit', '--manifest', first]);
  assert.equal(clean.code, 0, clean.out + clean.err);
  assert.match(clean.out, /clean: 1 repositories match the manifests/);

  const other = await pushImage(m0, 'prod/app', buildImage({ seed: 'audit-cli-other' }), 'stable'); // moved
  await pushImage(m0, 'prod/app', buildImage({ seed: 'audit-cli-extra' }), 'extra'); // unexpected
  const report = join(env.dir, 'out', 'audit.json');
  const found = await cli(['audit', '--manifest', manifest, '--report-file', report, '--require-signatures', 'canonical']);
  assert.equal(found.code, 1, found.err);
  const doc = JSON.parse(await readFile(report, 'utf8'));
  assert.deepEqual(
    doc.findings.map((f: { kind: string; repo: string; tag?: string }) => `${f.kind} ${f.repo.startsWith(m0.host) ? 'm0' : 'm1'} ${f.tag ?? ''}`),
    ['tag-moved m0 stable', 'missing m1 stable', 'missing m1 v1', 'unexpected-digest m0 extra', 'unsigned m0 '],
  );
  assert.equal(doc.findings[0].digest, other.digest);
  assert.equal(doc.findings[0].expected, img.digest);
  assert.deepEqual(doc.counts, { 'tag-moved': 1, missing: 2, 'unexpected-digest': 1, unsigned: 1 });
  assert.match(found.out, /^tag-moved +\S+:stable +sha256:\S+ \(declared sha256:/m);
  assert.match(found.out, /5 findings in 2 repositories: 1 tag-moved, 2 missing, 1 unexpected-digest, 1 unsigned/);

  const fixed = await cli(['audit', '--manifest', manifest, '--fix']);
  assert.equal(fixed.code, 1, 'the moved tag and the extra tag remain');
  assert.match(fixed.out, /fix: promoted 2 of 2 missing/);
  assert.equal((await fetchManifest(m1, 'prod/app', 'v1')).status, 200);
  assert.equal((await fetchManifest(m1, 'prod/app', 'stable')).status, 200);
  const stable = await fetchManifest(m0, 'prod/app', 'stable');
  assert.equal(stable.headers['docker-content-digest'], other.digest, '--fix never moves a tag back');
  const after = await cli(['audit', '--manifest', manifest]);
  assert.doesNotMatch(after.out, /missing/);
});

test('kpromo audit --fix --policy: the policy decides what the fix promotes; a denied tag is not written', async () => {
  const [m0] = env.mirrors as [E2eEnv['mirrors'][0]];
  const gated = await pushImage(env.staging, 'staging/gated', buildImage({ seed: 'audit-cli-gated' }), 'ok');
  const m = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/prod`], [{ name: 'gated', dmap: { [gated.digest]: ['ok', 'denied'] } }]);
  const policy = join(env.dir, 'audit-fix-policy.yaml');
  await writeFile(
    policy,
    `apiVersion: kpromo.sigs.k8s.io/v1alpha1
kind: PromotionPolicy
roles:
- {name: releaser, rules: [{name: everything}]}
bindings:
- {name: ci, role: releaser, subjects: [{kind: User, name: ci@example.com}]}
deny:
- {name: no-denied, reason: never this tag, tags: [denied]}
`,
  );
  assert.equal((await cli(['audit', '--manifest', m, '--policy', policy])).code, 2, '--policy without --fix');
  const fixed = await cli(['audit', '--manifest', m, '--fix', '--policy', policy, '--principal', 'ci@example.com']);
  assert.equal(fixed.code, 1, fixed.out + fixed.err);
  assert.match(fixed.out, /fix: promoted 1 of 2 missing \(promotion incomplete: 1 edge denied by the policy/);
  assert.equal((await fetchManifest(m0, 'prod/gated', 'ok')).status, 200);
  assert.equal((await fetchManifest(m0, 'prod/gated', 'denied')).status, 404, 'the denied tag is not written by --fix');
});

test('kpromo audit --fix: a tagless digest found missing is copied even when the repository still lists its signature', async () => {
  const [m0] = env.mirrors as [E2eEnv['mirrors'][0]];
  const lost = await pushImage(env.staging, 'staging/lost', buildImage({ seed: 'audit-cli-lost' }));
  // the image is gone from the mirror (deleted, or dropped by a cleanup of untagged manifests); its signature tag stayed
  await pushImage(m0, 'prod/lost', buildImage({ seed: 'audit-cli-lost-sig' }), `${lost.digest.replace(':', '-')}.sig`);
  const m = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/prod`], [{ name: 'lost', dmap: { [lost.digest]: [] } }]);
  const found = await cli(['audit', '--manifest', m]);
  assert.match(found.out, /missing/, found.out);
  const fixed = await cli(['audit', '--manifest', m, '--fix']);
  assert.match(fixed.out, /fix: promoted 1 of 1 missing/, fixed.out + fixed.err);
  assert.equal((await fetchManifest(m0, 'prod/lost', lost.digest)).status, 200);
});

test('kpromo audit: bad input exits 2', async () => {
  assert.equal((await cli(['audit'])).code, 2);
  assert.equal((await cli(['audit', '--manifest', manifest, '--require-signatures', 'everywhere'])).code, 2);
  assert.equal((await cli(['audit', '--manifest', manifest, '--listen', '127.0.0.1:0'])).code, 2, '--listen belongs to audit serve');
  assert.equal((await cli(['audit', 'serv', '--manifest', manifest])).code, 2);
  assert.equal((await cli(['audit', 'serve', '--manifest', manifest])).code, 2, 'no --token-file');
  const token = join(env.dir, 'token-bad-input');
  await writeFile(token, 'x');
  const unset = await cli(['audit', 'serve', '--manifest', manifest, '--token-file', token, '--alert-webhook', '$(ALERT_WEBHOOK)']);
  assert.equal(unset.code, 2, 'an unexpanded variable is not a webhook');
  assert.match(unset.err, /--alert-webhook must be an http\(s\) URL/);
  const busy = await new Promise<import('node:net').Server>((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const port = (busy.address() as import('node:net').AddressInfo).port;
    const taken = await cli(['audit', 'serve', '--manifest', manifest, '--token-file', token, '--listen', `127.0.0.1:${port}`, '--reconcile-interval', '0']);
    assert.equal(taken.code, 2, taken.err);
    assert.match(taken.err, /cannot listen \(EADDRINUSE\)/);
  } finally {
    busy.close();
  }
});

test('kpromo audit serve: SIGTERM to the child finishes the events in hand and exits 0', async () => {
  const token = join(env.dir, 'token');
  await writeFile(token, 'child-secret\n');
  const root = new URL('../../', import.meta.url).pathname;
  const script = "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv.slice(1));";
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script, 'audit', 'serve', '--manifest', manifest, '--token-file', token, '--listen', '127.0.0.1:0', '--reconcile-interval', '0'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: env.dir, DOCKER_CONFIG: env.dir } },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const address = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /listening on (127\.0\.0\.1:\d+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      void exited.then((code) => reject(new Error(`exited ${code} before listening: ${err}`)));
    });
    const envelope = { events: [{ id: 'child-1', action: 'push', target: { repository: 'prod/app', tag: 'rogue', digest: `sha256:${'c'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json' }, request: { host: env.mirrors[0]!.host } }] };
    const res = await request(`http://${address}/events/distribution`, { method: 'POST', headers: { authorization: 'Bearer child-secret' }, body: JSON.stringify(envelope) });
    await res.body.dump();
    assert.equal(res.statusCode, 202);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    assert.match(err, /SIGTERM: finishing the events in hand/);
    assert.match(err, /audit serve stopped/);
    assert.ok(out.split('\n').some((l) => l.includes('"eventId":"child-1"')), `the event in hand was classified before exit: ${out}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
