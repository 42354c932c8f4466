/**
 * The trust flags through `kpromo cip` (main()): a --confirm run without a signing identity is
 * refused with exit 2 before anything is written; key-based signing with a cosign encrypted key;
 * keyless signing and verification against the loopback mock sigstore with a --trusted-root file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedEnv, runCli, type CliResult } from '../support/cli.js';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import { startRegistryServer, type RegistryServer } from '../../src/registry/server/server.js';
import { encryptCosignKey } from '../../src/signing/cosign-key.js';
import { createKeylessSigner } from '../../src/signing/keyless-signer.js';
import { staticTokenProvider } from '../../src/signing/identity-token.js';
import { buildImage, fetchBlob, fetchManifest, pushImage, type ImageData } from '../support/seed.js';
import { MOCK_ISSUER, mockIdToken, startSigstoreMock, type SigstoreMock } from '../support/sigstore-mock.js';
import { writeManifest } from '../e2e/harness.js';
import { manifestJson, newKey } from './harness.js';
import { opensslVerify, sigstoreVerifyKeyless } from './independent.js';
import { stageSignature } from './seed-trust.js';

let regs: RegistryServer[];
let mock: SigstoreMock;
let dir: string;
let img: ImageData;
const client = createHttpRegistryClient();

before(async () => {
  regs = await Promise.all([0, 1, 2].map(() => startRegistryServer({ referrers: true })));
  mock = await startSigstoreMock();
  dir = await mkdtemp(join(tmpdir(), 'kpromo-trust-cli-'));
  img = buildImage({ seed: 'trust-cli' });
  await pushImage(regs[0]!, 'staging/app', img, 'v1');
});
after(async () => {
  await client.close();
  await Promise.all(regs.map((r) => r.stop()));
  await mock.stop();
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, isolatedEnv(dir, env));

const sigTag = (d: string) => `${d.replace(':', '-')}.sig`;

test('a --confirm run with --sign (the default) and no identity is refused with exit 2, writing nothing', async () => {
  const manifest = await writeManifest(dir, `${regs[0]!.host}/staging`, [`${regs[1]!.host}/nosign`], [{ name: 'app', dmap: { [img.digest]: ['v1'] } }]);
  const r = await cli(['cip', '--manifest', manifest, '--confirm']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /signing needs an identity token/);
  assert.match(r.err, /--sign=false/);
  assert.equal((await fetchManifest(regs[1]!, 'nosign/app', 'v1')).status, 404);
  // A dry run needs no identity.
  assert.equal((await cli(['cip', '--manifest', manifest])).code, 0);
});

test('--signing-key with a cosign encrypted key (COSIGN_PASSWORD) signs the promoted image; openssl verifies it', async () => {
  const key = newKey();
  const keyFile = join(dir, 'cosign.key');
  await writeFile(keyFile, encryptCosignKey(key.privateKey, 's3cret'));
  const manifest = await writeManifest(dir, `${regs[0]!.host}/staging`, [`${regs[1]!.host}/key`, `${regs[2]!.host}/key`], [{ name: 'app', dmap: { [img.digest]: ['v1'] } }]);
  const bad = await cli(['cip', '--manifest', manifest, '--confirm', '--signing-key', keyFile], { COSIGN_PASSWORD: 'wrong' });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /wrong password/);
  const r = await cli(['cip', '--manifest', manifest, '--confirm', '--signing-key', keyFile], { COSIGN_PASSWORD: 's3cret' });
  assert.equal(r.code, 0, r.err);
  const sig = await manifestJson(regs[1]!, 'key/app', sigTag(img.digest));
  const layer = sig.layers[0];
  const payload = Buffer.from((await fetchBlob(regs[1]!, 'key/app', layer.digest)).body);
  assert.equal(await opensslVerify(key.publicPem, Buffer.from(layer.annotations['dev.cosignproject.cosign/signature'], 'base64'), payload), true);
  assert.equal(JSON.parse(payload.toString()).critical.identity['docker-reference'], `${regs[1]!.host}/key/app`);
  assert.equal(await manifestJson(regs[2]!, 'key/app', sigTag(img.digest)), undefined, 'canonical placement');
});

test('keyless through the CLI: staging verified by identity against --trusted-root, promoted image signed via mock Fulcio/Rekor/TSA', async () => {
  const rootFile = join(dir, 'trusted_root.json');
  await writeFile(rootFile, JSON.stringify(mock.trustedRootJson));
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, mockIdToken('promoter@kpromo.test'));
  const keyless = img.digest;
  await stageSignature(client, regs[0]!.host, 'staging/app', keyless, createKeylessSigner({
    fulcioUrl: mock.url, rekorUrl: mock.url, tsaUrl: mock.url, tokens: staticTokenProvider(mockIdToken('builder@kpromo.test')),
  }));
  const sigstore = ['--fulcio-url', mock.url, '--rekor-url', mock.url, '--tsa-url', mock.url, '--trusted-root', rootFile, '--identity-token', tokenFile];
  const manifest = await writeManifest(dir, `${regs[0]!.host}/staging`, [`${regs[1]!.host}/kl`], [{ name: 'app', dmap: { [keyless]: ['v1'] } }]);

  const account = await cli(['cip', '--manifest', manifest, '--confirm', ...sigstore, '--signer-account', 'krel@example.iam']);
  assert.equal(account.code, 2);
  assert.match(account.err, /is for promoter@kpromo.test, but --signer-account is krel@example.iam/);

  const wrong = await cli(['cip', '--manifest', manifest, '--confirm', ...sigstore, '--certificate-identity', 'someone@else', '--certificate-oidc-issuer', MOCK_ISSUER]);
  assert.equal(wrong.code, 1, wrong.err);
  assert.equal((await fetchManifest(regs[1]!, 'kl/app', 'v1')).status, 404, 'wrong signer: not promoted');

  const r = await cli(['cip', '--manifest', manifest, '--confirm', ...sigstore, '--certificate-identity-regexp', 'builder@.*', '--certificate-oidc-issuer', MOCK_ISSUER]);
  assert.equal(r.code, 0, r.err);
  const sig = await manifestJson(regs[1]!, 'kl/app', sigTag(keyless));
  assert.equal(sig.layers.length, 2, 'staging signature copied along, plus ours');
  const ours = sig.layers.find((l: { annotations: Record<string, string> }) => new X509Certificate(l.annotations['dev.sigstore.cosign/certificate']).subjectAltName?.includes('promoter@kpromo.test'));
  assert.ok(ours, 'a layer certified for the promoter identity');
  assert.ok(ours.annotations['dev.sigstore.cosign/bundle'], 'Rekor bundle annotation');
  const payload = Buffer.from((await fetchBlob(regs[1]!, 'kl/app', ours.digest)).body);
  const certKey = new X509Certificate(ours.annotations['dev.sigstore.cosign/certificate']).publicKey.export({ format: 'pem', type: 'spki' }).toString();
  assert.equal(await opensslVerify(certKey, Buffer.from(ours.annotations['dev.cosignproject.cosign/signature'], 'base64'), payload), true);
  // The promotion attestation verifies with @sigstore/verify against the mock's root, identity and issuer pinned.
  const refs = await (await fetch(`${regs[1]!.url}/v2/kl/app/referrers/${keyless}`)).json() as { manifests: { digest: string }[] };
  assert.equal(refs.manifests.length, 1);
  const art = await manifestJson(regs[1]!, 'kl/app', refs.manifests[0]!.digest);
  const bundle = JSON.parse(Buffer.from((await fetchBlob(regs[1]!, 'kl/app', art.layers[0].digest)).body).toString());
  sigstoreVerifyKeyless(bundle, mock.trustedRoot, 'promoter@kpromo.test', MOCK_ISSUER);
  assert.throws(() => sigstoreVerifyKeyless(bundle, mock.trustedRoot, 'builder@kpromo.test', MOCK_ISSUER));
});
