/**
 * Contracts of the signing side: a Signer produces cosign-style message signatures and DSSE
 * bundles; a Verifier checks them against a policy. Real implementations wrap @sigstore/sign
 * and @sigstore/verify; in-memory ones sit beside them for unit tests.
 */
import type { SerializedBundle } from '@sigstore/bundle';

/** The key that verifies a signature: a Fulcio certificate (keyless) or a public key. */
export type SigningKeyMaterial =
  | { kind: 'certificate'; certificatePem: string; chainPem: string[] }
  | { kind: 'publicKey'; publicKeyPem: string };

/** Rekor evidence of a signature, in the shape cosign stores in `dev.sigstore.cosign/bundle`. */
export interface RekorEvidence {
  /** base64 of Rekor's signed entry timestamp. */
  signedEntryTimestamp: string;
  /** base64 of the canonicalized entry body. */
  body: string;
  integratedTime: number;
  logIndex: number;
  /** hex log id (sha256 of the log's public key). */
  logId: string;
}

/** A signature over the bytes of a payload (cosign's simple-signing `.sig` layer). */
export interface SignedMessage {
  /** DER ECDSA signature over sha256(payload). */
  signature: Uint8Array;
  key: SigningKeyMaterial;
  rekor?: RekorEvidence;
  /** base64 DER RFC 3161 timestamps over the signature. */
  rfc3161Timestamps: string[];
  /** The same signature as a sigstore bundle (message signature), for verification. */
  bundle: SerializedBundle;
}

/** Produces signatures. One instance per run; safe to call concurrently. */
export interface Signer {
  /** 'key' for --signing-key, 'keyless' for Fulcio certificates. */
  readonly kind: 'key' | 'keyless';
  /** Signs `payload` bytes (ECDSA P-256 over SHA-256). */
  signMessage(payload: Uint8Array): Promise<SignedMessage>;
  /** Signs `payload` as a DSSE envelope of `payloadType`; returns a sigstore bundle v0.3. */
  signDsse(payload: Uint8Array, payloadType: string): Promise<SerializedBundle>;
  /** Who signs: `key:<sha256 of SPKI>` or the OIDC identity (email/subject) of the token. */
  identity(): Promise<string>;
  /** Whether an existing `.sig` layer is a signature by this signer (so it is not duplicated). */
  owns(layer: SimpleSigningLayer): Promise<boolean>;
}

/** A string that must match exactly, or a regular expression that must match fully. */
export type Matcher = { exact: string } | { regexp: string };

/** Who may have signed: a certificate identity + issuer (keyless) or a public key. */
export type VerificationPolicy =
  | { kind: 'certificate'; identity: Matcher; issuer: Matcher }
  | { kind: 'publicKey'; publicKeyPem: string };

/** What verification found out about a valid signature. */
export interface VerifiedSigner {
  /** Certificate SAN or `key:<sha256 of SPKI>` for key signatures. */
  identity: string;
  /** OIDC issuer (keyless only). */
  issuer?: string;
}

/** The layer of a `.sig` image, as read back from a registry. */
export interface SimpleSigningLayer {
  payload: Uint8Array;
  annotations: Record<string, string>;
}

/** Checks signatures against one policy. Throws SignatureError when a signature is invalid. */
export interface Verifier {
  /** Verifies one `.sig` layer (payload + cosign annotations). */
  verifySimpleSigning(layer: SimpleSigningLayer): Promise<VerifiedSigner>;
  /** Verifies a sigstore bundle (DSSE or message signature); returns the DSSE payload when any. */
  verifyBundle(bundle: unknown, artifact?: Uint8Array): Promise<VerifiedSigner & { payload?: Uint8Array }>;
}
