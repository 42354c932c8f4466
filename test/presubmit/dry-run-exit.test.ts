/**
 * Presubmit semantics of a dry run through `kpromo cip` (main()) on real Distribution: exit 1
 * whenever the --confirm run would fail (refused tag move, unreadable source or destination
 * repository, image refused by validation), exit 0 when it would succeed; lost images only warn.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isolatedEnv, runCli } from '../support/cli.js';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import { createKeySigner } from '../../src/signing/key-signer.js';
import { buildImage, pushImage, type ImageData } from '../support/seed.js';
import { startEnv, writeManifest, type E2eEnv } from '../e2e/harness.js';
import { newKey } from '../trust/harness.js';
import { stageSignature } from '../trust/seed-trust.js';

let env: E2eEnv;
let app: ImageData;
let other: ImageData;
let signed: ImageData;
let closedHost: string;
const client = createHttpRegistryClient();
const verifyKey = newKey();

before(async () => {
  env = await startEnv(1);
  app = buildImage({ seed: 'presubmit-app' });
  other = buildImage({ seed: 'presubmit-other' });
  signed = buildImage({ seed: 'presubmit-signed' });
  await pushImage(env.staging, 'staging/app', app, 'v1');
  await pushImage(env.staging, 'staging/app', other, 'v2');
  await pushImage(env.staging, 'staging/signed', signed, 'v1');
  // signed by a key that is not the one the run verifies with: validation refuses it
  await stageSignature(client, env.staging.host, 'staging/signed', signed.digest, createKeySigner(newKey().privateKey));
  // the mirror already has v1 = app, so asking v1 = other is a tag move
  await pushImage(env.mirrors[0]!, 'prod/app', app, 'v1');
  closedHost = await closedPort();
  await writeFile(join(env.dir, 'verify.pub'), verifyKey.publicPem);
});
after(async () => {
  await client.close();
  await env.stop();
});

/** A loopback host:port nothing listens on (bound, then closed). */
async function closedPort(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return `127.0.0.1:${port}`;
}

async function dryRun(manifest: string): Promise<{ code: number; out: string; err: string; report: any }> {
  const reportFile = join(env.dir, `report-${Math.random().toString(36).slice(2)}.json`);
  const args = ['cip', '--manifest', manifest, '--registry-retries', '0', '--verification-key', join(env.dir, 'verify.pub'), '--report-file', reportFile];
  const r = await runCli(args, isolatedEnv(env.dir));
  return { ...r, report: JSON.parse(await readFile(reportFile, 'utf8')) };
}

const missing = `sha256:${'e'.repeat(64)}`;

const stagingRepo = (): string => `${env.staging.host}/staging`;
const mirror = (): string => `${env.mirrors[0]!.host}/prod`;
type Case = { name: string; src: () => string; dst: () => string; images: () => { name: string; dmap: Record<string, string[]> }[]; code: number; err?: RegExp };
const cases: Case[] = [
  { name: 'clean', src: stagingRepo, dst: mirror, images: () => [{ name: 'app', dmap: { [other.digest]: ['v2'] } }], code: 0 },
  { name: 'lost image beside work to do', src: stagingRepo, dst: mirror, images: () => [{ name: 'app', dmap: { [other.digest]: ['v2'], [missing]: ['v9'] } }], code: 0, err: /_LOST_/ },
  { name: 'tag move refused', src: stagingRepo, dst: mirror, images: () => [{ name: 'app', dmap: { [other.digest]: ['v1'] } }], code: 1, err: /1 tag move refused/ },
  { name: 'unreadable destination', src: stagingRepo, dst: () => `${closedHost}/prod`, images: () => [{ name: 'app', dmap: { [other.digest]: ['v2'] } }], code: 1, err: /could not be read/ },
  { name: 'unreadable source', src: () => `${closedHost}/staging`, dst: mirror, images: () => [{ name: 'app', dmap: { [other.digest]: ['v2'] } }], code: 1, err: /could not be read/ },
  { name: 'validation refusal', src: stagingRepo, dst: mirror, images: () => [{ name: 'signed', dmap: { [signed.digest]: ['v1'] } }], code: 1, err: /refused by signature or provenance checks/ },
  { name: 'everything to promote is lost (#1731)', src: stagingRepo, dst: mirror, images: () => [{ name: 'app', dmap: { [missing]: ['v8'] } }], code: 1, err: /promoted nothing: all 1 edges to promote are missing/ },
];

for (const c of cases) {
  test(`dry run, ${c.name}: exit ${c.code}`, async () => {
    const manifest = await writeManifest(env.dir, c.src(), [c.dst()], c.images());
    const r = await dryRun(manifest);
    assert.equal(r.code, c.code, r.err);
    assert.match(r.out, /dry run: nothing was written/);
    if (c.err) assert.match(r.err, c.err);
    assert.equal(r.report.mode, 'dry-run');
    assert.equal(r.report.failure === undefined, c.code === 0, `report failure: ${r.report.failure}`);
    assert.equal(r.report.requests.reduce((n: number, h: { byKind: Record<string, number> }) => n + (h.byKind['manifest-put'] ?? 0) + (h.byKind['upload-start'] ?? 0) + (h.byKind['blob-mount'] ?? 0), 0), 0, 'nothing written');
  });
}
