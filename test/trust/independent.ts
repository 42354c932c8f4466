/**
 * Verification independent of kpromo's signer and verifier: openssl over cosign payloads and
 * DSSE PAE, and @sigstore/verify used directly.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPublicKey } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { PublicKeyDetails, type TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';

const run = promisify(execFile);

/** `openssl dgst -sha256 -verify pub.pem -signature sig.der data`: true when openssl says Verified OK. */
export async function opensslVerify(publicKeyPem: string, signatureDer: Uint8Array, data: Uint8Array): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-openssl-'));
  try {
    await writeFile(join(dir, 'pub.pem'), publicKeyPem);
    await writeFile(join(dir, 'sig.der'), signatureDer);
    await writeFile(join(dir, 'data'), data);
    const r = await run('openssl', ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'data'], { cwd: dir }).then(
      (x) => x.stdout,
      (e: { stdout?: string }) => e.stdout ?? '',
    );
    return r.includes('Verified OK');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** DSSE pre-authentication encoding: `DSSEv1 <len> <type> <len> <payload>`. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const t = Buffer.from(payloadType);
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), Buffer.from(payload)]);
}

/** Verifies a key-signed DSSE bundle with openssl over the PAE; returns the payload or throws. */
export async function opensslVerifyDsse(publicKeyPem: string, bundleJson: unknown): Promise<{ ok: boolean; payload: Buffer; payloadType: string }> {
  const env = (bundleJson as { dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] } }).dsseEnvelope;
  const payload = Buffer.from(env.payload, 'base64');
  const ok = await opensslVerify(publicKeyPem, Buffer.from(env.signatures[0]!.sig, 'base64'), pae(env.payloadType, payload));
  return { ok, payload, payloadType: env.payloadType };
}

/** @sigstore/verify directly: a key-signed bundle. Throws when it does not verify. */
export function sigstoreVerifyWithKey(bundleJson: unknown, publicKeyPem: string, artifact?: Buffer): void {
  const root = { mediaType: '', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] } as unknown as TrustedRoot;
  const der = createPublicKey(publicKeyPem).export({ format: 'der', type: 'spki' });
  const tm = toTrustMaterial(root, () => ({ publicKey: createPublicKey({ key: der, format: 'der', type: 'spki' }), validFor: () => true }));
  void PublicKeyDetails;
  new Verifier(tm, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundleFromJSON(bundleJson), artifact));
}

/** @sigstore/verify directly: a keyless bundle against `root`, with identity and issuer checks. */
export function sigstoreVerifyKeyless(bundleJson: unknown, root: TrustedRoot, san: string, issuer: string, artifact?: Buffer): void {
  new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(
    toSignedEntity(bundleFromJSON(bundleJson), artifact),
    { subjectAlternativeName: san, extensions: { issuer } },
  );
}
