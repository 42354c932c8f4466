/**
 * The cosign `.sig` image (tag `sha256-<hex>.sig` beside the signed image): an OCI manifest whose
 * layers are simple-signing payloads, each carrying its signature and key material in
 * annotations. Building and parsing it is pure.
 */
import { createHash } from 'node:crypto';
import type { Digest } from '../image/ref.js';
import { MediaTypes, type Descriptor } from '../registry/types.js';
import type { RekorEvidence, SignedMessage, SimpleSigningLayer } from './types.js';
import { manifestLayers } from '../registry/manifest-json.js';

/** Media type of a simple-signing layer. */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** Cosign annotation keys. */
export const CosignAnnotations = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  rfc3161: 'dev.sigstore.cosign/rfc3161timestamp',
} as const;

/** The tag cosign stores signatures of `digest` under: `sha256-<hex>.sig`. */
export function sigTag(digest: Digest): string {
  return `${digest.replace(':', '-')}.sig`;
}

/** The annotations cosign writes on a layer for `msg`. */
export function cosignAnnotations(msg: SignedMessage): Record<string, string> {
  const out: Record<string, string> = {
    [CosignAnnotations.signature]: Buffer.from(msg.signature).toString('base64'),
  };
  if (msg.key.kind === 'certificate') {
    out[CosignAnnotations.certificate] = msg.key.certificatePem;
    // Fulcio's chain when known; an empty annotation would be a chain of zero certificates.
    if (msg.key.chainPem.length > 0) out[CosignAnnotations.chain] = msg.key.chainPem.join('');
  }
  if (msg.rekor) {
    out[CosignAnnotations.bundle] = JSON.stringify({
      SignedEntryTimestamp: msg.rekor.signedEntryTimestamp,
      Payload: {
        body: msg.rekor.body,
        integratedTime: msg.rekor.integratedTime,
        logIndex: msg.rekor.logIndex,
        logID: msg.rekor.logId,
      },
    });
  }
  if (msg.rfc3161Timestamps.length > 0) {
    out[CosignAnnotations.rfc3161] = JSON.stringify({ SignedRFC3161Timestamp: msg.rfc3161Timestamps[0] });
  }
  return out;
}

/** Reads the Rekor evidence back from a `dev.sigstore.cosign/bundle` annotation. */
export function parseRekorAnnotation(value: string | undefined): RekorEvidence | undefined {
  if (!value) return undefined;
  const v = JSON.parse(value) as {
    SignedEntryTimestamp: string;
    Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
  };
  return {
    signedEntryTimestamp: v.SignedEntryTimestamp,
    body: v.Payload.body,
    integratedTime: v.Payload.integratedTime,
    logIndex: v.Payload.logIndex,
    logId: v.Payload.logID,
  };
}

/** A built image: manifest bytes plus every blob it references. */
export interface BuiltImage {
  manifest: { bytes: Uint8Array; mediaType: string; digest: Digest };
  blobs: { digest: Digest; bytes: Uint8Array }[];
}

/** Digest of bytes as `sha256:<hex>`. */
export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

/** Builds a `.sig` image holding `layers` in order. */
export function buildSigImage(layers: readonly SimpleSigningLayer[]): BuiltImage {
  const blobs = layers.map((l) => ({ digest: sha256Digest(l.payload), bytes: l.payload }));
  const config = new TextEncoder().encode(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: blobs.map((b) => b.digest) },
      config: {},
    }),
  );
  const configDigest = sha256Digest(config);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, size: config.byteLength, digest: configDigest },
    layers: layers.map((l, i) => ({
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      size: l.payload.byteLength,
      digest: blobs[i]!.digest,
      annotations: l.annotations,
    })),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return {
    manifest: { bytes, mediaType: MediaTypes.ociManifest, digest: sha256Digest(bytes) },
    blobs: [{ digest: configDigest, bytes: config }, ...uniqueBlobs(blobs)],
  };
}

/** The simple-signing layer descriptors of a `.sig` manifest (other layers are ignored). */
export function sigLayers(manifestBytes: Uint8Array): Descriptor[] {
  return manifestLayers(manifestBytes, SIMPLE_SIGNING_MEDIA_TYPE);
}

function uniqueBlobs<T extends { digest: Digest }>(blobs: T[]): T[] {
  const seen = new Set<string>();
  return blobs.filter((b) => (seen.has(b.digest) ? false : (seen.add(b.digest), true)));
}
