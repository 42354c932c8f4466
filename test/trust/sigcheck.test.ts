/**
 * `kpromo sigcheck` on Distribution registries (fallback, no referrers API): canonical signing
 * leaves the second mirror unsigned; sigcheck reports it, --confirm copies the signature (no new
 * signing), a rerun finds everything signed; a foreign signature is reported invalid.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isolatedEnv, runCli, type CliResult } from '../support/cli.js';
import { createKeySigner } from '../../src/signing/key-signer.js';
import { buildImage, buildMultiPlatform, pushImage, pushIndex, type ImageData, type IndexData } from '../support/seed.js';
import { writeManifest } from '../e2e/harness.js';
import { keyTrust, manifestJson, newKey, promoteWithTrust, startTrustEnv, type TrustEnv } from './harness.js';
import { stageSignature } from './seed-trust.js';

let env: TrustEnv;
let app: ImageData;
let multi: IndexData;
const promoter = newKey();

before(async () => {
  env = await startTrustEnv('distribution');
  app = buildImage({ seed: 'sigcheck-app' });
  multi = buildMultiPlatform({ seed: 'sigcheck-multi' });
  await pushImage(env.staging, 'staging/app', app, 'v1');
  await pushIndex(env.staging, 'staging/multi', multi, 'v1');
});
after(() => env.stop());

const cli = (args: string[]): Promise<CliResult> => runCli(args, isolatedEnv(env.dir));

test('sigcheck reports unsigned mirrors, --confirm copies the signatures, a rerun finds all signed', async () => {
  const [m0, m1] = env.mirrors as [TrustEnv['staging'], TrustEnv['staging']];
  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${m0.host}/prod`, `${m1.host}/prod`], [
    { name: 'app', dmap: { [app.digest]: ['v1'] } },
    { name: 'multi', dmap: { [multi.digest]: ['v1'] } },
  ]);
  const r = await promoteWithTrust(manifest, keyTrust(promoter, promoter));
  assert.equal(r.failure, undefined, r.failure?.message);
  const keyFile = join(env.dir, 'promoter.pub');
  await writeFile(keyFile, promoter.publicPem);
  const digests = 2 + multi.manifests.length; // app, index, children

  const check = await cli(['sigcheck', '--manifest', manifest, '--verification-key', keyFile]);
  assert.equal(check.code, 1, check.err);
  assert.match(check.out, new RegExp(`${digests} missing, ${digests} signed`));
  for (const line of check.out.split('\n').filter((l) => l.startsWith('missing'))) {
    assert.ok(line.includes(m1.host), line);
    assert.ok(line.includes('(no signature: neither a .sig tag nor a signature bundle among the referrers)'), line);
    assert.doesNotMatch(line, /--require-signatures/, 'sigcheck has no such flag');
  }

  const fix = await cli(['sigcheck', '--manifest', manifest, '--verification-key', keyFile, '--confirm']);
  assert.equal(fix.code, 0, fix.out + fix.err);
  assert.match(fix.out, new RegExp(`${digests} fixed, ${digests} signed`));
  const sig = (d: string) => `${d.replace(':', '-')}.sig`;
  assert.deepEqual(await manifestJson(m1, 'prod/app', sig(app.digest)), await manifestJson(m0, 'prod/app', sig(app.digest)), 'copied, not re-signed');

  const again = await cli(['sigcheck', '--manifest', manifest, '--verification-key', keyFile]);
  assert.equal(again.code, 0);
  assert.match(again.out, new RegExp(`^${digests * 2} signed$`, 'm'));
});

test('sigcheck by reference: a signature by another key is invalid; bad references are input errors', async () => {
  const other = buildImage({ seed: 'sigcheck-other' });
  await pushImage(env.staging, 'staging/other', other, 'v2');
  await stageSignature(env.client, env.staging.host, 'staging/other', other.digest, createKeySigner(newKey().privateKey));
  const keyFile = join(env.dir, 'promoter2.pub');
  await writeFile(keyFile, promoter.publicPem);
  const r = await cli(['sigcheck', `${env.staging.host}/staging/other:v2`, '--verification-key', keyFile]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^invalid /m);
  assert.match(r.out, /does not verify/);
  const bad = await cli(['sigcheck', 'no-image-here', '--verification-key', keyFile]);
  assert.equal(bad.code, 2);
  const both = await cli(['sigcheck', `${env.staging.host}/staging/other:v2`, '--certificate-identity', 'a', '--certificate-identity-regexp', 'b']);
  assert.equal(both.code, 2);
  assert.match(both.err, /mutually exclusive/);
});
