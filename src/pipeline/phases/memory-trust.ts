/**
 * A TrustConfig for unit tests over the in-memory signer and verifier (signing/memory.ts): the
 * staging signer `builder` is trusted, kpromo signs as `promoter`, nothing is required.
 */
import { memorySigner, memoryVerifier } from '../../signing/memory.js';
import type { TrustConfig } from './trust.js';

/** The in-memory TrustConfig, with `over` on top. */
export function memoryTrust(over: Partial<TrustConfig> = {}): TrustConfig {
  return {
    verifier: memoryVerifier(['builder']),
    requireSignatures: false,
    provenance: { require: false, allowedBuilders: [], allowedSourceRepos: [] },
    signer: memorySigner('promoter'),
    format: 'simple',
    placement: 'canonical',
    maxOps: 1,
    version: 't',
    ...over,
  };
}
