/**
 * Signatures checked independently of the signer: key-based with openssl, bundles with
 * @sigstore/verify directly, keyless end to end against the mock Fulcio/Rekor/TSA on loopback.
 * Tampered payloads, wrong identities and wrong keys are rejected.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { digest } from '../../src/image/ref.js';
import { createKeySigner } from '../../src/signing/key-signer.js';
import { createKeylessSigner } from '../../src/signing/keyless-signer.js';
import { staticTokenProvider } from '../../src/signing/identity-token.js';
import { buildSimpleSigningPayload } from '../../src/signing/simple-signing.js';
import { cosignAnnotations, CosignAnnotations } from '../../src/signing/sig-image.js';
import { createVerifier } from '../../src/signing/verifier.js';
import { SignatureError } from '../../src/signing/errors.js';
import { MOCK_ISSUER, mockIdToken, startSigstoreMock, type SigstoreMock } from '../support/sigstore-mock.js';
import { opensslVerify, opensslVerifyDsse, sigstoreVerifyKeyless, sigstoreVerifyWithKey } from './independent.js';

const D = digest(`sha256:${'12'.repeat(32)}`);
const newKey = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pubPem = (k: ReturnType<typeof newKey>) => k.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const rejects = (code: string) => (e: unknown) => e instanceof SignatureError && e.code === code;

let mock: SigstoreMock;
before(async () => {
  mock = await startSigstoreMock();
});
after(() => mock.stop());

test('key-based .sig layer: openssl verifies the payload; tampered payload and wrong key fail', async () => {
  const key = newKey();
  const signer = createKeySigner(key.privateKey);
  const payload = buildSimpleSigningPayload('reg.example/prod/app', D);
  const msg = await signer.signMessage(payload);
  const ann = cosignAnnotations(msg);
  const der = Buffer.from(ann[CosignAnnotations.signature]!, 'base64');
  const decoded = JSON.parse(Buffer.from(payload).toString());
  assert.equal(decoded.critical.image['docker-manifest-digest'], D);
  assert.equal(decoded.critical.type, 'cosign container image signature');
  assert.equal(await opensslVerify(pubPem(key), der, payload), true);
  assert.equal(await opensslVerify(pubPem(key), der, buildSimpleSigningPayload('reg.example/prod/app', digest(`sha256:${'13'.repeat(32)}`))), false);
  assert.equal(await opensslVerify(pubPem(newKey()), der, payload), false);

  // Our verifier agrees with openssl.
  const v = createVerifier({ kind: 'publicKey', publicKeyPem: pubPem(key) });
  assert.match((await v.verifySimpleSigning({ payload, annotations: ann })).identity, /^key:[0-9a-f]{64}$/);
  await assert.rejects(v.verifySimpleSigning({ payload: Buffer.from(payload.toString() + ' '), annotations: ann }), rejects('SIGNATURE_INVALID'));
  const other = createVerifier({ kind: 'publicKey', publicKeyPem: pubPem(newKey()) });
  await assert.rejects(other.verifySimpleSigning({ payload, annotations: ann }), rejects('SIGNATURE_INVALID'));
  assert.equal(await signer.owns({ payload, annotations: ann }), true);
  assert.equal(await createKeySigner(newKey().privateKey).owns({ payload, annotations: ann }), false);
});

test('key-based DSSE bundle: openssl over the PAE and @sigstore/verify accept it, and reject a tampered one', async () => {
  const key = newKey();
  const bundle = await createKeySigner(key.privateKey).signDsse(Buffer.from('{"_type":"t"}'), 'application/vnd.in-toto+json');
  assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  const r = await opensslVerifyDsse(pubPem(key), bundle);
  assert.equal(r.ok, true);
  assert.equal(r.payload.toString(), '{"_type":"t"}');
  sigstoreVerifyWithKey(bundle, pubPem(key));
  const tampered = structuredClone(bundle) as { dsseEnvelope: { payload: string } };
  tampered.dsseEnvelope.payload = Buffer.from('{"_type":"evil"}').toString('base64');
  assert.equal((await opensslVerifyDsse(pubPem(key), tampered)).ok, false);
  assert.throws(() => sigstoreVerifyWithKey(tampered, pubPem(key)));
  assert.throws(() => sigstoreVerifyWithKey(bundle, pubPem(newKey())));
  const v = createVerifier({ kind: 'publicKey', publicKeyPem: pubPem(key) });
  assert.equal(Buffer.from((await v.verifyBundle(bundle)).payload!).toString(), '{"_type":"t"}');
  await assert.rejects(v.verifyBundle(tampered), rejects('SIGNATURE_INVALID'));
});

test('keyless: Fulcio certificate, Rekor entry and TSA timestamp from the loopback mock verify with identity and issuer', async () => {
  const signer = createKeylessSigner({
    fulcioUrl: mock.url,
    rekorUrl: mock.url,
    tsaUrl: mock.url,
    tokens: staticTokenProvider(mockIdToken('promoter@kpromo.test')),
  });
  const payload = buildSimpleSigningPayload('reg.example/prod/app', D, { 'org.kubernetes.kpromo.version': 'kpromo-test' });
  const msg = await signer.signMessage(payload);
  assert.equal(msg.key.kind, 'certificate');
  assert.ok(msg.rekor && msg.rekor.logIndex >= 0);
  assert.equal(msg.rfc3161Timestamps.length, 1);
  assert.ok((mock.hits.get('/api/v2/signingCert') ?? 0) >= 1);

  // Independent: the message bundle through @sigstore/verify, identity + issuer pinned.
  sigstoreVerifyKeyless(msg.bundle, mock.trustedRoot, 'promoter@kpromo.test', MOCK_ISSUER, Buffer.from(payload));
  assert.throws(() => sigstoreVerifyKeyless(msg.bundle, mock.trustedRoot, 'someone@else', MOCK_ISSUER, Buffer.from(payload)));
  assert.throws(() => sigstoreVerifyKeyless(msg.bundle, mock.trustedRoot, 'promoter@kpromo.test', MOCK_ISSUER, Buffer.from('tampered')));
  // The certificate's key verifies the .sig signature with openssl too.
  const ann = cosignAnnotations(msg);
  const { X509Certificate } = await import('node:crypto');
  const certKey = new X509Certificate(ann[CosignAnnotations.certificate]!).publicKey.export({ format: 'pem', type: 'spki' }).toString();
  assert.equal(await opensslVerify(certKey, Buffer.from(ann[CosignAnnotations.signature]!, 'base64'), payload), true);

  // Our verifier over the cosign annotations alone (what a registry gives back).
  const good = createVerifier({ kind: 'certificate', identity: { exact: 'promoter@kpromo.test' }, issuer: { exact: MOCK_ISSUER } }, mock.trustedRoot);
  assert.deepEqual(await good.verifySimpleSigning({ payload, annotations: ann }), { identity: 'promoter@kpromo.test', issuer: MOCK_ISSUER });
  const re = createVerifier({ kind: 'certificate', identity: { regexp: 'promoter@.*\\.test' }, issuer: { regexp: 'https://oidc\\..*' } }, mock.trustedRoot);
  await re.verifySimpleSigning({ payload, annotations: ann });
  const wrongId = createVerifier({ kind: 'certificate', identity: { exact: 'krel@x' }, issuer: { exact: MOCK_ISSUER } }, mock.trustedRoot);
  await assert.rejects(wrongId.verifySimpleSigning({ payload, annotations: ann }), rejects('SIGNER_UNTRUSTED'));
  const wrongIssuer = createVerifier({ kind: 'certificate', identity: { exact: 'promoter@kpromo.test' }, issuer: { exact: 'https://accounts.google.com' } }, mock.trustedRoot);
  await assert.rejects(wrongIssuer.verifySimpleSigning({ payload, annotations: ann }), rejects('SIGNER_UNTRUSTED'));
  await assert.rejects(good.verifySimpleSigning({ payload: Buffer.from('tampered'), annotations: ann }), rejects('SIGNATURE_INVALID'));
  // A certificate from another (untrusted) CA is refused.
  const otherMock = await startSigstoreMock();
  try {
    const foreign = createVerifier({ kind: 'certificate', identity: { regexp: '.*' }, issuer: { regexp: '.*' } }, otherMock.trustedRoot);
    await assert.rejects(foreign.verifySimpleSigning({ payload, annotations: ann }), SignatureError);
  } finally {
    await otherMock.stop();
  }
  assert.equal(await signer.owns({ payload, annotations: ann }), true);
});

test('keyless DSSE bundle verifies with @sigstore/verify; a key-based policy refuses it', async () => {
  const signer = createKeylessSigner({ fulcioUrl: mock.url, rekorUrl: mock.url, tsaUrl: mock.url, tokens: staticTokenProvider(mockIdToken('att@kpromo.test')) });
  const bundle = await signer.signDsse(Buffer.from('{"_type":"x"}'), 'application/vnd.in-toto+json');
  sigstoreVerifyKeyless(bundle, mock.trustedRoot, 'att@kpromo.test', MOCK_ISSUER);
  const v = createVerifier({ kind: 'certificate', identity: { exact: 'att@kpromo.test' }, issuer: { exact: MOCK_ISSUER } }, mock.trustedRoot);
  assert.equal(Buffer.from((await v.verifyBundle(bundle)).payload!).toString(), '{"_type":"x"}');
  await assert.rejects(createVerifier({ kind: 'publicKey', publicKeyPem: pubPem(newKey()) }).verifyBundle(bundle), rejects('SIGNER_UNTRUSTED'));
});
