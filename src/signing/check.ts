/**
 * The signature check of one staging digest (validate phase): read its cosign `.sig` layers and
 * signature bundles among its referrers; at least one must verify under the policy and name this
 * digest. Unsigned images pass unless signatures are required.
 */
import type { Digest, RepoRef } from '../image/ref.js';
import type { RegistryClient } from '../registry/types.js';
import { errorMessage } from '../errors.js';
import { referrerBundles } from '../provenance/discover.js';
import { parseStatement, statementCovers } from '../provenance/statement.js';
import { parseSimpleSigningPayload, SIMPLE_SIGNING_TYPE } from './simple-signing.js';
import { readSignatures, type TrustCallOptions } from './sig-store.js';
import type { VerifiedSigner, Verifier } from './types.js';

/** Predicate type of cosign's bundle-format image signatures. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

/** The outcome for one digest. */
export type SignatureOutcome =
  | { status: 'verified'; signer: VerifiedSigner }
  | { status: 'unsigned' }
  | { status: 'refused'; reason: string };

/** Verifies the signatures of `digest` in `repo` (`opts.tags`: skip reading tags that do not exist). */
export async function checkSignatures(
  deps: { client: RegistryClient; verifier: Verifier },
  repo: RepoRef,
  digest: Digest,
  opts: TrustCallOptions & { require: boolean },
): Promise<SignatureOutcome> {
  const problems: string[] = [];
  const io = { signal: opts.signal, side: opts.side, tags: opts.tags };
  const stored = await readSignatures(deps.client, repo, digest, io);
  for (const layer of stored?.layers ?? []) {
    const p = parseSimpleSigningPayload(layer.payload);
    if (!p || p.critical.type !== SIMPLE_SIGNING_TYPE) {
      problems.push('a .sig layer is not a cosign simple-signing payload');
      continue;
    }
    if (p.critical.image['docker-manifest-digest'] !== digest) {
      problems.push(`a .sig layer signs ${p.critical.image['docker-manifest-digest']}, not ${digest}`);
      continue;
    }
    try {
      return { status: 'verified', signer: await deps.verifier.verifySimpleSigning(layer) };
    } catch (err) {
      problems.push(errorMessage(err));
    }
  }
  // Bundle-format signatures live among the referrers only (a `.att` image holds attestations).
  const bundles = await referrerBundles(deps.client, repo, digest, { ...io, predicateTypes: [COSIGN_SIGN_PREDICATE_TYPE] });
  for (const b of bundles) {
    try {
      const v = await deps.verifier.verifyBundle(b.bundle);
      const st = v.payload && parseStatement(v.payload);
      if (st?.predicateType === COSIGN_SIGN_PREDICATE_TYPE && statementCovers(st, digest)) {
        return { status: 'verified', signer: v };
      }
      problems.push(`${b.origin}: not a signature of ${digest}`);
    } catch (err) {
      problems.push(`${b.origin}: ${errorMessage(err)}`);
    }
  }
  if (problems.length > 0) return { status: 'refused', reason: `signature does not verify: ${problems.join('; ')}` };
  if (opts.require) return { status: 'refused', reason: 'unsigned, and --require-signatures is set' };
  return { status: 'unsigned' };
}
