import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { Command } from 'commander';
import { addCipFlags, DEFAULT_OIDC_ISSUER, DEFAULT_SIGNER_ACCOUNT, toCipOptions, type CipOptions } from './cip-options.js';
import { setOnCommandLine } from './flags.js';
import { buildTrustConfig } from './trust-config.js';

const base = (trust: Partial<CipOptions['trust']> = {}, confirm = true, sign = true): Parameters<typeof buildTrustConfig>[0] => ({
  run: { confirm, parseOnly: false },
  signing: { sign, signerAccount: DEFAULT_SIGNER_ACCOUNT, maxSignatureOps: 5 },
  verification: { identity: DEFAULT_SIGNER_ACCOUNT, oidcIssuer: DEFAULT_OIDC_ISSUER },
  provenance: { require: false, allowedBuilders: [], allowedSourceRepos: [] },
  trust: {
    fulcioUrl: 'http://127.0.0.1:1', rekorUrl: 'http://127.0.0.1:1', tsaUrl: '',
    signatureFormat: 'simple', signaturePlacement: 'canonical', requireSignatures: false, ...trust,
  },
});

test('signing identity: none with --confirm is exit-2 input; a dry run or --sign=false needs none; a key file gives a key signer', async (t) => {
  await assert.rejects(buildTrustConfig(base(), {}), (e: unknown) => e instanceof InputError && /signing needs an identity token/.test(e.message));
  assert.equal((await buildTrustConfig(base({}, false), {})).signer, undefined);
  assert.equal((await buildTrustConfig(base({}, true, false), {})).signer, undefined);
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-tc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const key = join(dir, 'k.pem');
  await writeFile(key, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const cfg = await buildTrustConfig(base({ signingKey: key }), {});
  assert.equal(cfg.signer?.kind, 'key');
  assert.equal(cfg.maxOps, 5);
  await assert.rejects(buildTrustConfig(base({ signingKey: join(dir, 'nope') }), {}), InputError);
  await assert.rejects(buildTrustConfig(base({ verificationKey: key.replace('k.pem', 'missing.pem') }, false), {}), InputError);
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const tok = `${enc({ alg: 'RS256' })}.${enc({ email: 'me@x', iss: 'https://i', aud: 'sigstore', exp: Date.now() / 1000 + 600 })}.s`;
  assert.equal((await buildTrustConfig(base(), { SIGSTORE_ID_TOKEN: tok })).signer?.kind, 'keyless');
  // a token that is not a JWT is bad input at setup, before any copy
  await assert.rejects(buildTrustConfig(base(), { SIGSTORE_ID_TOKEN: 'ya29.opaque' }), (e: unknown) => e instanceof InputError && /not a JWT/.test(e.message));
});

test('trust flags: formats, placements and exclusive verification flags are validated', () => {
  const parse = (...argv: string[]): CipOptions => {
    const cmd = new Command('cip').exitOverride();
    addCipFlags(cmd);
    cmd.parse(['--manifest', 'm', ...argv], { from: 'user' });
    return toCipOptions(cmd.opts(), setOnCommandLine(cmd));
  };
  const d = parse();
  assert.deepEqual([d.trust.signatureFormat, d.trust.signaturePlacement, d.trust.tsaUrl, d.trust.requireSignatures], ['simple', 'canonical', 'https://timestamp.sigstore.dev', false]);
  assert.equal(parse('--signature-format', 'bundle', '--signature-placement', 'replicate').trust.signatureFormat, 'bundle');
  assert.throws(() => parse('--signature-format', 'xml'), (e: unknown) => e instanceof InputError && /--signature-format/.test(e.message));
  assert.throws(() => parse('--signature-placement', 'everywhere'), (e: unknown) => e instanceof InputError && /--signature-placement/.test(e.message));
  assert.throws(() => parse('--verification-key', 'k', '--certificate-identity-regexp', '.*'), (e: unknown) => e instanceof InputError && /mutually exclusive/.test(e.message));
  assert.equal(parse('--tsa-url', '').trust.tsaUrl, '');
  assert.deepEqual(parse('--identity-token-command', 'gcloud auth print-identity-token').trust.identityTokenCommand, ['gcloud', 'auth', 'print-identity-token']);
});

test('source checks are configured by verification material or a requirement, not by the default identity', async () => {
  const cases: { name: string; opts: Parameters<typeof buildTrustConfig>[0]; checks: boolean }[] = [
    { name: 'defaults', opts: base({}, true, false), checks: false },
    { name: '--require-signatures', opts: base({ requireSignatures: true }, true, false), checks: true },
    { name: '--certificate-identity-regexp', opts: { ...base({}, true, false), verification: { identityRegexp: '.*', oidcIssuer: DEFAULT_OIDC_ISSUER } }, checks: true },
    { name: '--require-provenance', opts: { ...base({}, true, false), provenance: { require: true, allowedBuilders: [], allowedSourceRepos: [] } }, checks: true },
    { name: '--allowed-builders', opts: { ...base({}, true, false), provenance: { require: false, allowedBuilders: ['b'], allowedSourceRepos: [] } }, checks: true },
  ];
  for (const c of cases) {
    assert.equal((await buildTrustConfig(c.opts, {})).checks, c.checks, c.name);
  }
});
