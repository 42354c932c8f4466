/**
 * The publish phase: signed before visible. With a signer the copy writes each image by digest
 * only, on every destination; here its tags are written, once its attachments are copied there,
 * its signatures (at the canonical destination, and here with replicate placement) and its
 * promotion attestation exist. An image whose attachments, signing or attesting failed stays
 * untagged there and its edges fail with that reason; the next run finds the digest present and
 * the tag missing, copies and signs what is missing, then tags.
 */
import { repoKey } from '../../image/ref.js';
import { edgeKey, edgeLabel } from '../../plan/edge.js';
import { dstRepo } from '../../plan/inventory.js';
import { HostLimits } from '../../plan/host-limits.js';
import { DEFAULT_WRITES_PER_HOST } from '../../promote/copy.js';
import { BlobKnowledge } from '../../promote/knowledge.js';
import { pushManifests } from '../../promote/manifests.js';
import type { EdgeOutcome } from '../../promote/outcome.js';
import { verifyEdges } from '../../promote/verify.js';
import { failedAttachment } from '../../referrers/outcome.js';
import type { Phase } from '../phase.js';
import type { HeldImage, PromotionState } from '../state.js';
import type { TrustRecord } from './trust.js';

/** Why a held edge is interrupted: its image is at the destination by digest, its tag is not. */
export const INTERRUPTED_HELD = 'interrupted before its tag was published (the image is there by digest only)';

/** Writes the held tags of every image whose signatures and attestation are there. */
export const publishPhase: Phase<PromotionState> = {
  name: 'publish',
  async run(state, signal) {
    const held = state.held ?? [];
    if (held.length === 0 || !state.outcomes || !state.plan) return;
    const log = state.deps.logger.child({ phase: 'publish' });
    const canonical = new Map<string, string>();
    for (const { edge } of state.plan.edges) if (!canonical.has(edge.digest)) canonical.set(edge.digest, repoKey(dstRepo(edge)));
    const settled = new Map<string, EdgeOutcome>();
    // each destination host takes its own held images, as many at once as it takes writes
    const limits = new HostLimits(state.options.writesPerHost ?? DEFAULT_WRITES_PER_HOST);
    await Promise.all(
      held.map((h) =>
        limits.run(h.repo.host, async () => {
          if (signal.aborted) {
            for (const edge of h.edges) settled.set(edgeKey(edge), { edge, outcome: 'interrupted', error: INTERRUPTED_HELD });
            return;
          }
          const why = blocked(state.trust, h, canonical.get(h.top.digest)) ?? attachmentBlock(state, h);
          if (why !== undefined) {
            for (const edge of h.edges) settled.set(edgeKey(edge), { edge, outcome: 'failed', error: `not tagged: ${why}` });
            return;
          }
          const tagged = h.edges.filter((e) => e.tag !== null);
          const tags = [...new Set(tagged.map((e) => e.tag as string))];
          const unconfirmed = new Set<string>();
          const failed = tags.length
            ? await pushManifests(state.deps.registry, { repo: h.repo, top: h.top, children: [], tags, byDigest: false, unconfirmed }, new Map(), new BlobKnowledge(), signal)
            : new Map<string, string>();
          // A tag PUT answered 201 with the digest sent proves the write (as in promote): only the
          // others are read back, or every one with --verify-existing.
          const full = state.options.verifyExisting === true;
          const written = tagged.filter((e) => !failed.has(e.tag as string) && (full || unconfirmed.has(e.tag as string)));
          const problems = signal.aborted ? new Map<string, string>() : await verifyEdges(state.deps.registry, written, { signal });
          for (const edge of h.edges) {
            const pushed = failed.get(edge.tag ?? '');
            // Interrupted: a tag whose PUT succeeded is promoted (its verification is skipped, as in
            // promote); one the signal cut short is interrupted (its image is there by digest only).
            const error = pushed ?? (signal.aborted ? undefined : problems.get(edgeKey(edge)));
            const outcome = pushed !== undefined && signal.aborted ? 'interrupted' : 'failed';
            settled.set(edgeKey(edge), error === undefined ? { edge, outcome: 'promoted' } : { edge, outcome, error });
          }
        }),
      ),
    );
    state.outcomes = state.outcomes.map((o) => settled.get(edgeKey(o.edge)) ?? o);
    state.held = [];
    signal.throwIfAborted();
    const out = [...settled.values()];
    for (const o of out) if (o.outcome === 'failed') log.debug(`failed: ${edgeLabel(o.edge)}: ${o.error}`); // grouped by cause in the CLI
    log.info('tags published', { promoted: out.filter((o) => o.outcome === 'promoted').length, failed: out.filter((o) => o.outcome === 'failed').length });
  },
};

/** Why `h` may not be tagged here yet because an attachment of it was not copied here, or undefined. */
function attachmentBlock(state: PromotionState, h: HeldImage): string | undefined {
  const f = failedAttachment(state.attachments, h.top.digest, [repoKey(h.repo)]);
  return f && `copying its attachment ${f.kind} ${f.digest} failed: ${f.error ?? 'unknown error'}`;
}

/**
 * Why `h` may not be tagged yet, or undefined: a signature (of it or a child, here or at the
 * canonical destination) or its attestation failed, or was never recorded.
 */
function blocked(trust: TrustRecord | undefined, h: HeldImage, canonicalRepo: string | undefined): string | undefined {
  const d = h.top.digest;
  const here = repoKey(h.repo);
  const mine = (w: { image?: string; repo?: string }): boolean => w.image === d && (w.repo === here || w.repo === canonicalRepo);
  const signed = (trust?.signed ?? []).filter(mine);
  const attested = (trust?.attested ?? []).filter(mine);
  const failed = [...signed.map((w) => ({ w, what: 'signing' })), ...attested.map((w) => ({ w, what: 'attesting' }))].find((x) => x.w.result === 'failed');
  if (failed) return `${failed.what} ${failed.w.ref} failed: ${failed.w.error ?? 'unknown error'}`;
  if (!signed.some((w) => w.digest === d)) return 'no signature recorded for the image';
  if (!attested.some((w) => w.digest === d)) return 'no attestation recorded for the image';
  return undefined;
}
