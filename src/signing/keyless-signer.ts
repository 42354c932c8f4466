/**
 * Keyless signing: an ephemeral key certified by Fulcio for the OIDC identity, the signature
 * recorded in Rekor and timestamped by a TSA (upstream's default signing mode).
 */
import { FulcioSigner, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign';
import { X509Certificate } from 'node:crypto';
import { jwtClaims, type IdentityTokenProvider } from './identity-token.js';
import { CosignAnnotations } from './sig-image.js';
import { sigstoreSigner } from './sigstore-signer.js';
import type { Signer, SimpleSigningLayer } from './types.js';

/** The public sigstore instances (upstream defaults); defined in public-sigstore.ts. */
export { PUBLIC_SIGSTORE } from './public-sigstore.js';

/** Where keyless signing goes. `tsaUrl: ''` disables timestamping. */
export interface KeylessOptions {
  fulcioUrl: string;
  rekorUrl: string;
  tsaUrl: string;
  tokens: IdentityTokenProvider;
  /** Per-request timeout in ms for Fulcio/Rekor/TSA. */
  timeoutMs?: number;
}

/** A Signer that gets a Fulcio certificate per signature and records it in Rekor (+ TSA). */
export function createKeylessSigner(opts: KeylessOptions): Signer {
  const timeout = opts.timeoutMs ?? 30_000;
  const retry = { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 };
  const holder = new FulcioSigner({
    fulcioBaseURL: opts.fulcioUrl,
    identityProvider: { getToken: () => opts.tokens.getToken() },
    timeout,
    retry,
  });
  // 'intoto' entries: the Rekor we test against (and older instances) verify these end to end.
  const witnesses: Witness[] = [new RekorWitness({ rekorBaseURL: opts.rekorUrl, entryType: 'intoto', timeout, retry })];
  if (opts.tsaUrl) witnesses.push(new TSAWitness({ tsaBaseURL: opts.tsaUrl, timeout, retry }));
  const identity = async (): Promise<string> => {
    const c = jwtClaims(await opts.tokens.getToken());
    return String(c.email ?? c.sub ?? '');
  };
  const who = {
    identity,
    // Ours when the layer's certificate names our identity (Fulcio puts it in the SAN).
    owns: async (layer: SimpleSigningLayer) => {
      const pem = layer.annotations[CosignAnnotations.certificate];
      if (!pem) return false;
      const id = await identity();
      const san = certificateSan(pem);
      return !!id && san.includes(id);
    },
  };
  return sigstoreSigner('keyless', holder, witnesses, who);
}

/** The SAN entries of a PEM certificate without their type prefixes ("email:", "URI:"). */
function certificateSan(pem: string): string[] {
  try {
    const san = new X509Certificate(pem).subjectAltName ?? '';
    return san.split(/,\s*/).map((x) => x.replace(/^[A-Za-z ]+:/, ''));
  } catch {
    return [];
  }
}
