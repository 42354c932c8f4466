/**
 * The provenance check of one source digest: discover attestations, keep those our verifier
 * trusts (foreign signers are ignored, not fatal), decode SLSA statements about this digest and
 * apply the policy. Pure decisions live in slsa-policy.ts; this file only sequences them.
 */
import type { Digest, RepoRef } from '../image/ref.js';
import type { Logger } from '../log.js';
import type { RegistryClient } from '../registry/types.js';
import type { TrustCallOptions } from '../signing/sig-store.js';
import { errorMessage } from '../errors.js';
import type { Verifier } from '../signing/types.js';
import { discoverAttestations } from './discover.js';
import { evaluateProvenance, isSlsaProvenance, SLSA_PREDICATE_TYPES, type ProvenanceFacts, type ProvenancePolicy } from './slsa-policy.js';
import { parseStatement, statementCovers } from './statement.js';

/** The outcome for one digest. */
export type ProvenanceOutcome =
  | { status: 'verified'; facts: ProvenanceFacts }
  | { status: 'absent'; ignored: string[] }
  | { status: 'refused'; reason: string };

/** Checks the provenance of `digest` in `repo`; `require` turns 'absent' into 'refused' (`opts.tags`: see TagIndex). */
export async function checkProvenance(
  deps: { client: RegistryClient; verifier: Verifier; logger: Logger },
  repo: RepoRef,
  digest: Digest,
  policy: ProvenancePolicy & { require: boolean },
  opts?: TrustCallOptions,
): Promise<ProvenanceOutcome> {
  const found = await discoverAttestations(deps.client, repo, digest, { ...opts, predicateTypes: SLSA_PREDICATE_TYPES });
  const ignored: string[] = [];
  let refusal: string | undefined;
  for (const a of found) {
    let payload: Uint8Array | undefined;
    try {
      payload = (await deps.verifier.verifyBundle(a.bundle)).payload;
    } catch (err) {
      ignored.push(`${a.origin}: ${errorMessage(err)}`);
      deps.logger.debug('ignoring attestation', { origin: a.origin, error: errorMessage(err) });
      continue;
    }
    const st = payload && parseStatement(payload);
    if (!st || !isSlsaProvenance(st)) {
      ignored.push(`${a.origin}: not SLSA provenance`);
      continue;
    }
    if (!statementCovers(st, digest)) {
      refusal = `${a.origin}: provenance does not name ${digest} as its subject`;
      continue;
    }
    const d = evaluateProvenance(st, policy);
    if (d.allowed) return { status: 'verified', facts: d.facts };
    refusal = `${a.origin}: ${d.reason}`;
  }
  if (refusal) return { status: 'refused', reason: refusal };
  if (policy.require) {
    const why = ignored.length > 0 ? ` (ignored: ${ignored.join('; ')})` : '';
    return { status: 'refused', reason: `no trusted SLSA provenance and --require-provenance is set${why}` };
  }
  return { status: 'absent', ignored };
}
