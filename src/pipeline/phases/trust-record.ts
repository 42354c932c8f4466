/** What the trust phases found and wrote in a run: the record the report and later phases read. */
import type { Digest } from '../../image/ref.js';
import type { ProvenanceOutcome } from '../../provenance/check.js';
import type { SignatureOutcome } from '../../signing/check.js';

/** One signature or attestation written (or found already there, or copied to a replica). */
export interface TrustWrite {
  ref: string;
  digest: Digest;
  result: 'written' | 'already-present' | 'copied' | 'failed';
  error?: string;
  /** The destination repository, `host/repo`. */
  repo?: string;
  /** The image (top digest) the write is for: an index, for its children's signatures. */
  image?: Digest;
  /** Written for an image that was already at its destination before this run (a missing piece healed). */
  healed?: true;
  /** The staging signature: copied along by this run, or already there. */
  staging?: 'copied' | 'present';
}

/** What the trust phases found and did, for the report. */
export interface TrustRecord {
  provenance: Map<string, ProvenanceOutcome>;
  signatures: Map<string, SignatureOutcome>;
  signed: TrustWrite[];
  attested: TrustWrite[];
}

/** A fresh, empty record. */
export function newTrustRecord(): TrustRecord {
  return { provenance: new Map(), signatures: new Map(), signed: [], attested: [] };
}
