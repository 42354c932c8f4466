/**
 * In-memory Signer and Verifier for unit tests: "signatures" are HMAC-SHA256 of the payload
 * under a per-identity secret, so they are deterministic, cheap, and tamper-evident; the fake
 * verifier trusts a fixed set of identities. They exercise the phases' logic without crypto keys.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError } from './errors.js';
import { CosignAnnotations } from './sig-image.js';
import type { SimpleSigningLayer, Signer, Verifier, VerifiedSigner } from './types.js';

const mac = (identity: string, data: Uint8Array): Buffer => createHmac('sha256', `fake:${identity}`).update(data).digest();

/** A Signer that signs as `identity`. */
export function memorySigner(identity: string): Signer {
  return {
    kind: 'key',
    identity: async () => identity,
    owns: async (l) => checks(identity, l),
    async signMessage(payload) {
      return { signature: mac(identity, payload), key: { kind: 'publicKey', publicKeyPem: identity }, rfc3161Timestamps: [], bundle: fakeBundle(identity, payload, 'message') };
    },
    async signDsse(payload, payloadType) {
      return fakeBundle(identity, payload, payloadType) as never;
    },
  };
}

/** A Verifier trusting `trusted` identities. */
export function memoryVerifier(trusted: readonly string[]): Verifier {
  const ok = (identity: string | undefined): VerifiedSigner => {
    if (!identity || !trusted.includes(identity)) throw new SignatureError('SIGNER_UNTRUSTED', `untrusted signer ${identity}`);
    return { identity };
  };
  return {
    async verifySimpleSigning(l) {
      // A MAC verifies only under its own identity: try the trusted ones.
      const identity = trusted.find((t) => checks(t, l));
      if (!identity) throw new SignatureError('SIGNATURE_INVALID', 'fake signature does not verify for any trusted identity');
      return ok(identity);
    },
    async verifyBundle(b) {
      const f = b as { fake?: { identity: string; payload: string; mac: string } };
      if (!f.fake) throw new SignatureError('SIGNATURE_INVALID', 'not a fake bundle');
      const payload = Buffer.from(f.fake.payload, 'base64');
      if (!mac(f.fake.identity, payload).equals(Buffer.from(f.fake.mac, 'base64'))) throw new SignatureError('SIGNATURE_INVALID', 'fake bundle does not verify');
      return { ...ok(f.fake.identity), payload };
    },
  };
}

function checks(identity: string, l: SimpleSigningLayer): boolean {
  const sig = Buffer.from(l.annotations[CosignAnnotations.signature] ?? '', 'base64');
  const want = mac(identity, l.payload);
  return sig.length === want.length && timingSafeEqual(sig, want);
}

function fakeBundle(identity: string, payload: Uint8Array, type: string): never {
  return { mediaType: 'application/vnd.dev.kpromo.fake-bundle', type, fake: { identity, payload: Buffer.from(payload).toString('base64'), mac: mac(identity, payload).toString('base64') } } as never;
}
