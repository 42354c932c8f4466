/**
 * The real Verifier: `.sig` layers are checked with node crypto (public key) or rebuilt into a
 * sigstore message-signature bundle and checked by @sigstore/verify against a TrustedRoot
 * (keyless: certificate chain, Rekor promise, timestamps); identities are then matched to policy.
 */
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier as SigstoreVerifier, toSignedEntity, type Signer as VerifiedKey } from '@sigstore/verify';
import { errorMessage } from '../errors.js';
import { SignatureError } from './errors.js';
import { describeMatcher, matches } from './matcher.js';
import { bundleJsonFromCosign } from './cosign-bundle.js';
import { keyIdentity } from './pem.js';
import { CosignAnnotations } from './sig-image.js';
import { emptyTrustedRoot, trustMaterialFor } from './trust-root.js';
import type { SimpleSigningLayer, VerificationPolicy, VerifiedSigner, Verifier } from './types.js';

/** Builds the Verifier for `policy`; keyless policies need the TrustedRoot of the signing infrastructure. */
export function createVerifier(policy: VerificationPolicy, trustedRoot?: TrustedRoot): Verifier {
  if (policy.kind === 'publicKey') return keyVerifier(policy.publicKeyPem);
  if (!trustedRoot) {
    throw new SignatureError('SIGNER_UNTRUSTED', 'keyless verification needs a trusted root (--trusted-root)');
  }
  const material = trustMaterialFor(trustedRoot);
  const verifier = new SigstoreVerifier(material, {
    tlogThreshold: 0,
    ctlogThreshold: material.ctlogs.length > 0 ? 1 : 0,
    timestampThreshold: 1,
  });
  const check = (bundle: Bundle, artifact?: Uint8Array): VerifiedSigner => {
    const signer = runVerify(() => verifier.verify(toSignedEntity(bundle, artifact && Buffer.from(artifact))));
    const identity = signer.identity?.subjectAlternativeName;
    const issuer = signer.identity?.extensions?.issuer;
    if (!matches(policy.identity, identity) || !matches(policy.issuer, issuer)) {
      throw new SignatureError(
        'SIGNER_UNTRUSTED',
        `signed by ${identity ?? '(no identity)'} from ${issuer ?? '(no issuer)'}, ` +
          `want ${describeMatcher(policy.identity)} from ${describeMatcher(policy.issuer)}`,
      );
    }
    return { identity: identity!, issuer };
  };
  return {
    async verifySimpleSigning(layer) {
      return check(bundleFromLayer(layer), layer.payload);
    },
    async verifyBundle(json, artifact) {
      const bundle = parseBundle(json);
      if (bundle.verificationMaterial.content.$case === 'publicKey') {
        throw new SignatureError('SIGNER_UNTRUSTED', 'signed with a key, want a certificate identity');
      }
      return { ...check(bundle, artifact), payload: dssePayload(bundle) };
    },
  };
}

function keyVerifier(publicKeyPem: string): Verifier {
  const key = createPublicKey(publicKeyPem);
  const identity = keyIdentity(key);
  const verifier = new SigstoreVerifier(trustMaterialFor(emptyTrustedRoot(), publicKeyPem), {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  return {
    async verifySimpleSigning(layer) {
      const sig = layerSignature(layer);
      if (!cryptoVerify('sha256', layer.payload, key, sig)) {
        throw new SignatureError('SIGNATURE_INVALID', 'signature does not verify with the verification key');
      }
      return { identity };
    },
    async verifyBundle(json, artifact) {
      const bundle = parseBundle(json);
      if (bundle.verificationMaterial.content.$case !== 'publicKey') {
        throw new SignatureError('SIGNER_UNTRUSTED', 'signed with a certificate, want the verification key');
      }
      runVerify(() => verifier.verify(toSignedEntity(bundle, artifact && Buffer.from(artifact))));
      return { identity, payload: dssePayload(bundle) };
    },
  };
}

function runVerify(fn: () => VerifiedKey): VerifiedKey {
  try {
    return fn();
  } catch (err) {
    const code = (err as { code?: string }).code;
    const untrusted = code === 'UNTRUSTED_SIGNER_ERROR' || code === 'CERTIFICATE_ERROR';
    throw new SignatureError(untrusted ? 'SIGNER_UNTRUSTED' : 'SIGNATURE_INVALID', errorMessage(err), { cause: err });
  }
}

function parseBundle(json: unknown): Bundle {
  try {
    return bundleFromJSON(typeof json === 'string' ? JSON.parse(json) : json);
  } catch (err) {
    throw new SignatureError('SIGNATURE_INVALID', `malformed sigstore bundle: ${errorMessage(err)}`, { cause: err });
  }
}

function dssePayload(bundle: Bundle): Uint8Array | undefined {
  return bundle.content.$case === 'dsseEnvelope' ? bundle.content.dsseEnvelope.payload : undefined;
}

function layerSignature(layer: SimpleSigningLayer): Buffer {
  const b64 = layer.annotations[CosignAnnotations.signature];
  if (!b64) throw new SignatureError('SIGNATURE_INVALID', `layer has no ${CosignAnnotations.signature} annotation`);
  return Buffer.from(b64, 'base64');
}

/** Rebuilds the sigstore bundle equivalent to a keyless `.sig` layer. */
export function bundleFromLayer(layer: SimpleSigningLayer): Bundle {
  const signatureB64 = layerSignature(layer).toString('base64');
  if (!layer.annotations[CosignAnnotations.certificate]) {
    throw new SignatureError('SIGNER_UNTRUSTED', 'signed with a key, want a certificate identity');
  }
  return parseBundle(bundleJsonFromCosign({ kind: 'message', payload: layer.payload, signatureB64 }, layer.annotations));
}
