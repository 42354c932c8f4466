/**
 * Keyless signing: an ephemeral key certified by Fulcio for the OIDC identity, the signature
 * recorded in Rekor and timestamped by a TSA (upstream's default signing mode).
 */
import { FulcioSigner, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign';
import type { IdentityTokenProvider } from './identity-token.js';
import { sigstoreSigner } from './sigstore-signer.js';
import type { Signer } from './types.js';

/** The public sigstore instances (upstream defaults). */
export const PUBLIC_SIGSTORE = {
  fulcioUrl: 'https://fulcio.sigstore.dev',
  rekorUrl: 'https://rekor.sigstore.dev',
  tsaUrl: 'https://timestamp.sigstore.dev',
} as const;

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
  return sigstoreSigner('keyless', holder, witnesses);
}
