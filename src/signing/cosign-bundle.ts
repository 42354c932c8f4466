/**
 * Rebuilds a sigstore bundle (v0.1, the version that accepts Rekor promises without inclusion
 * proofs, which is all cosign's annotations carry) from a cosign layer: `.sig` simple-signing
 * layers (message signature) and `.att` DSSE layers alike.
 */
import { createHash } from 'node:crypto';
import { pemBlocks } from './pem.js';
import { CosignAnnotations, parseRekorAnnotation } from './sig-image.js';
import type { RekorEvidence } from './types.js';

/** The signed content of a cosign layer. */
export type CosignContent =
  | { kind: 'message'; payload: Uint8Array; signatureB64: string }
  | { kind: 'dsse'; envelope: unknown };

/** The bundle JSON equivalent to a cosign layer with `annotations`. */
export function bundleJsonFromCosign(content: CosignContent, annotations: Record<string, string>): unknown {
  const certPem = annotations[CosignAnnotations.certificate];
  const chainPem = annotations[CosignAnnotations.chain] ?? '';
  const certs = certPem ? [...pemBlocks(certPem, 'CERTIFICATE'), ...pemBlocks(chainPem, 'CERTIFICATE')] : [];
  const rekor = parseRekorAnnotation(annotations[CosignAnnotations.bundle]);
  const tsa = annotations[CosignAnnotations.rfc3161];
  const rfc3161Timestamps = tsa
    ? [{ signedTimestamp: (JSON.parse(tsa) as { SignedRFC3161Timestamp: string }).SignedRFC3161Timestamp }]
    : [];
  const verificationMaterial = {
    ...(certs.length > 0
      ? { x509CertificateChain: { certificates: certs.map((c) => ({ rawBytes: c.toString('base64') })) } }
      : { publicKey: { hint: '' } }),
    tlogEntries: rekor ? [tlogEntryJson(rekor)] : [],
    timestampVerificationData: { rfc3161Timestamps },
  };
  const body =
    content.kind === 'message'
      ? {
          messageSignature: {
            messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(content.payload).digest('base64') },
            signature: content.signatureB64,
          },
        }
      : { dsseEnvelope: content.envelope };
  return { mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1', verificationMaterial, ...body };
}

function tlogEntryJson(r: RekorEvidence): unknown {
  const body = JSON.parse(Buffer.from(r.body, 'base64').toString('utf8')) as { kind?: string; apiVersion?: string };
  return {
    logIndex: String(r.logIndex),
    logId: { keyId: Buffer.from(r.logId, 'hex').toString('base64') },
    kindVersion: { kind: body.kind ?? '', version: body.apiVersion ?? '' },
    integratedTime: String(r.integratedTime),
    inclusionPromise: { signedEntryTimestamp: r.signedEntryTimestamp },
    canonicalizedBody: r.body,
  };
}
