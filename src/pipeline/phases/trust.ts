/**
 * What the trust phases (provenance, validate, sign, attest) share: their configuration, the
 * record they leave in the state, and how a refused source image blocks its edges.
 */
import pLimit from 'p-limit';
import type { Digest, RepoRef } from '../../image/ref.js';
import { repoKey } from '../../image/ref.js';
import type { PlannedEdge } from '../../plan/classify.js';
import { srcRepo } from '../../plan/inventory.js';
import type { ProvenancePolicy } from '../../provenance/slsa-policy.js';
import { TagIndex } from '../../signing/tag-index.js';
import type { Signer, Verifier } from '../../signing/types.js';
import type { PromotionState } from '../state.js';
import type { ReferrerFilter } from '../../referrers/filter.js';
import { newTrustRecord, type TrustRecord, type TrustWrite } from './trust-record.js';

export { newTrustRecord, type TrustRecord, type TrustWrite };

/** Where signatures live: the first destination only (upstream ≥ v4.5) or every destination. */
export type SignaturePlacement = 'canonical' | 'replicate';
/** `.sig` images (cosign's classic layout) or sigstore bundles attached as referrers. */
export type SignatureFormat = 'simple' | 'bundle';

/** Configuration of the trust phases, built once per run from the flags. */
export interface TrustConfig {
  /** Verifies source signatures and attestations (certificate identity or verification key). */
  verifier: Verifier;
  requireSignatures: boolean;
  provenance: ProvenancePolicy & { require: boolean };
  /** undefined with --sign=false: the sign and attest phases do nothing. */
  signer?: Signer;
  /**
   * Whether any source check is configured: verification material (--verification-key,
   * --trusted-root, certificate regexps) or a requirement (--require-signatures,
   * --require-provenance, --allowed-builders, --allowed-source-repos). false: without a signer the
   * source signatures and attestations are not read at all. Default true (verify if present).
   */
  checks?: boolean;
  format: SignatureFormat;
  placement: SignaturePlacement;
  /** Concurrency of verify/sign/attest operations (--max-signature-ops). */
  maxOps: number;
  /** kpromo's version, stamped into payloads and attestations. */
  version: string;
  /** Clock for attestation timestamps. */
  now?: () => Date;
  /** Which attachments travel with their images (--copy-referrers; default all). */
  referrers?: ReferrerFilter;
}

/**
 * The run's TagIndex, created on first use (and anew if the state was given another registry
 * client). Destination repositories the plan listed start from that list (no request); other
 * repositories are listed when first asked about.
 */
export function runTags(state: PromotionState): TagIndex {
  if (state.trustTags?.client === state.deps.registry) return state.trustTags;
  const tags = new TagIndex(state.deps.registry);
  // The plan lists destination repositories only (sources are read by digest). Only a complete
  // listing proves a tag absent (the plan may read a repository by HEADs alone).
  for (const r of state.inventory?.repos.values() ?? []) if (r.listed === true && !r.error) tags.seed(r.ref, r.tags);
  return (state.trustTags = tags);
}

/** Key of a source image: `host/repo@digest`. */
export const sourceImageKey = (repo: RepoRef, d: Digest): string => `${repoKey(repo)}@${d}`;

/** A source image of the plan: its repository, digest and key (sourceImageKey). */
export interface SourceImage {
  repo: RepoRef;
  digest: Digest;
  key: string;
}

/** The distinct source images of the edges still to promote, each once. */
function sourcesToPromote(edges: readonly PlannedEdge[]): SourceImage[] {
  const seen = new Map<string, SourceImage>();
  for (const { edge, decision } of edges) {
    if (decision.kind !== 'promote') continue;
    const repo = srcRepo(edge);
    const key = sourceImageKey(repo, edge.digest);
    if (!seen.has(key)) seen.set(key, { repo, digest: edge.digest, key });
  }
  return [...seen.values()];
}

/**
 * Checks each source image still to promote that `verdicts` has none for yet (once per run),
 * `maxOps` at a time; a check that throws gets `onError`'s verdict. Returns the images checked.
 */
export async function checkSources<O>(
  edges: readonly PlannedEdge[],
  verdicts: Map<string, O>,
  maxOps: number,
  check: (s: SourceImage) => Promise<O>,
  onError: (err: unknown) => O,
): Promise<SourceImage[]> {
  const limit = pLimit(maxOps);
  const sources = sourcesToPromote(edges).filter((s) => !verdicts.has(s.key));
  await Promise.all(
    sources.map((s) =>
      limit(async () => {
        let out: O;
        try {
          out = await check(s);
        } catch (err) {
          out = onError(err);
        }
        verdicts.set(s.key, out);
      }),
    ),
  );
  return sources;
}

/** Refuses every still-to-promote edge of a source image; the others go on. Returns how many. */
export function refuseSource(edges: PlannedEdge[], key: string, reason: string): number {
  let n = 0;
  for (const p of edges) {
    if (p.decision.kind === 'promote' && sourceImageKey(srcRepo(p.edge), p.edge.digest) === key) {
      p.decision = { kind: 'refused', reason };
      n++;
    }
  }
  return n;
}

/**
 * Why the trust phases fail the run (exit 1), or undefined: refused images in a dry run (a real
 * run reports them as failed edges already), and signatures or attestations that could not be written.
 */
export function trustFailure(state: { plan?: { edges: readonly PlannedEdge[] }; outcomes?: unknown; trust?: TrustRecord }): string | undefined {
  const parts: string[] = [];
  if (!state.outcomes) {
    const refused = state.plan?.edges.filter((p) => p.decision.kind === 'refused').length ?? 0;
    if (refused) parts.push(`${refused} edge${refused === 1 ? '' : 's'} refused by signature or provenance checks`);
  }
  const signFailed = state.trust?.signed.filter((w) => w.result === 'failed').length ?? 0;
  const attestFailed = state.trust?.attested.filter((w) => w.result === 'failed').length ?? 0;
  if (signFailed) parts.push(`${signFailed} signature${signFailed === 1 ? '' : 's'} not written`);
  if (attestFailed) parts.push(`${attestFailed} attestation${attestFailed === 1 ? '' : 's'} not written`);
  return parts.length ? parts.join(', ') : undefined;
}

/** One healed item: what was missing and is now there. */
export interface HealedItem {
  kind: 'signature' | 'signature copy' | 'staging signature' | 'attestation';
  ref: string;
}

/** The items this run healed, in the order they were recorded. */
export function healedItems(t: TrustRecord): HealedItem[] {
  const out: HealedItem[] = [];
  for (const w of t.signed) {
    if (!w.healed) continue;
    if (w.result === 'written') out.push({ kind: 'signature', ref: w.ref });
    if (w.result === 'copied') out.push({ kind: 'signature copy', ref: w.ref });
    if (w.staging === 'copied') out.push({ kind: 'staging signature', ref: w.ref });
  }
  for (const w of t.attested) if (w.healed && w.result === 'written') out.push({ kind: 'attestation', ref: w.ref });
  return out;
}

/** The trust part of the JSON report: per source image verdicts, and what was signed and attested. */
export function trustReport(t: TrustRecord): Record<string, unknown> {
  return {
    provenance: [...t.provenance].map(([image, o]) => ({ image, ...o })),
    signatures: [...t.signatures].map(([image, o]) => ({ image, ...o })),
    signed: t.signed,
    attested: t.attested,
    healed: healedItems(t),
  };
}
