/**
 * The referrers phase: the attachments of every image this run promotes (and of each child of
 * an index) travel with it, after it: staging's OCI referrers (SBOMs, provenance, bundle
 * signatures, ...) and cosign's `.sig` / `.att` / `.sbom` tags, then theirs (a signature on an
 * SBOM). They go where signatures go (the canonical destination, or every one with
 * `replicate`), digest-preserving, in the scheme the destination supports. What a destination
 * already lists (its referrer list, its tag list) is present and not written again; an
 * attachment whose subject is not there is refused and not written. The image's own `.sig` is
 * the sign phase's (it copies it along with ours; --sign=false leaves signatures alone); the
 * `.sig` of an attachment travels here. Runs before sign and publish: with a signer, an image
 * whose attachments failed stays untagged.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../../errors.js';
import type { Digest } from '../../image/ref.js';
import { repoKey } from '../../image/ref.js';
import type { Descriptor } from '../../registry/types.js';
import { attachmentKind, classifyAttachment, type Attachment } from '../../referrers/attachment.js';
import { copyAttachment, publishReferrers } from '../../referrers/copy.js';
import { discoverAttachments } from '../../referrers/discover.js';
import { ALL_REFERRERS } from '../../referrers/filter.js';
import { attachmentCounts, type AttachmentOutcome } from '../../referrers/outcome.js';
import type { TagIndex } from '../../signing/tag-index.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { runTags, type TrustConfig } from './trust.js';
import { trustTargets, withChildren, type TrustDestination, type TrustTarget } from './trust-targets.js';

/** Builds the referrers phase for `cfg` (placement, concurrency, --copy-referrers). */
export function referrersPhase(cfg: TrustConfig): Phase<PromotionState> {
  return {
    name: 'referrers',
    async run(state, signal) {
      const filter = cfg.referrers ?? ALL_REFERRERS;
      if (filter.kind === 'none' || !state.outcomes || !state.plan) return;
      const log = state.deps.logger.child({ phase: 'referrers' });
      const promoted = new Set(state.plan.edges.filter((p) => p.decision.kind === 'promote').map((p) => p.edge.digest as string));
      const targets = trustTargets(state.plan, state.outcomes, state.inventory).filter((t) => promoted.has(t.digest));
      const out: AttachmentOutcome[] = (state.attachments ??= []);
      const io: PlaceIo = { state, tags: runTags(state), signal, out };
      const discover = { tags: io.tags, filter, skipOwn: ['sig'] as const, opts: { signal } };
      const limit = pLimit(cfg.maxOps);
      await Promise.all(
        targets.map((t) =>
          limit(async () => {
            const dests = cfg.placement === 'replicate' ? t.destinations : [t.destinations[0]];
            let subjects: Digest[];
            try {
              subjects = (await withChildren(state.deps.registry, t.source, t.digest, signal, t.manifest)).map((s) => s.digest);
            } catch (err) {
              log.error(`cannot read ${t.srcRef} for its attachments: ${errorMessage(err)}`);
              return;
            }
            for (const subject of subjects) {
              let found: Attachment[];
              try {
                found = await discoverAttachments(discover, t.source, subject);
              } catch (err) {
                log.error(`cannot list the attachments of ${t.srcRef} (${subject}): ${errorMessage(err)}`);
                continue;
              }
              for (const d of dests) await place(io, t, d, subject, d.ready, found);
            }
          }),
        ),
      );
      for (const o of out) if (o.result === 'failed') log.error(`attachment ${o.kind} ${o.digest} of ${o.subject} not copied to ${o.repo}: ${o.error}`);
      log.info('attachments done', attachmentCounts(out));
    },
  };
}

interface PlaceIo {
  state: PromotionState;
  tags: TagIndex;
  signal: AbortSignal;
  out: AttachmentOutcome[];
}

/** Places `found` (attachments of `subject`) at `d`, then each one's own attachments under it. */
async function place(io: PlaceIo, t: TrustTarget, d: TrustDestination, subject: Digest, ready: boolean, found: Attachment[]): Promise<void> {
  if (found.length === 0) return;
  const client = io.state.deps.registry;
  const opts = { signal: io.signal, side: 'destination' as const };
  const repo = repoKey(d.repo);
  const record = (a: Attachment, result: AttachmentOutcome['result'], error?: string): AttachmentOutcome => {
    const o: AttachmentOutcome = { image: t.digest, subject, digest: a.digest, scheme: a.scheme, kind: attachmentKind(a), repo, result, ...(error ? { error } : {}) };
    io.out.push(o);
    return o;
  };
  let referrers: ReadonlySet<string> = new Set();
  let tagged = new Map<string, boolean | undefined>();
  if (ready) {
    try {
      if (found.some((a) => a.scheme === 'referrer')) referrers = new Set((await io.tags.listReferrers(d.repo, subject, opts)).map((x) => x.digest as string));
      for (const a of found) if (a.tag) tagged.set(a.tag, await io.tags.has(d.repo, a.tag, opts));
    } catch (err) {
      for (const a of found) record(a, 'failed', `listing the destination: ${errorMessage(err)}`);
      return;
    }
  }
  const view = { subjectReady: ready, referrers, hasTag: (tag: string) => tagged.get(tag) };
  const results = new Map<Attachment, AttachmentOutcome>();
  const added: { a: Attachment; desc: Descriptor }[] = [];
  for (const a of found) {
    const decision = classifyAttachment(a, view);
    if (decision.kind === 'present') results.set(a, record(a, 'present'));
    else if (decision.kind === 'refused') results.set(a, record(a, 'refused', decision.reason));
    else {
      try {
        const desc = await copyAttachment(client, t.source, d.repo, a, { signal: io.signal });
        if (a.tag) io.tags.add(d.repo, a.tag);
        if (a.scheme === 'referrer') added.push({ a, desc });
        else results.set(a, record(a, 'copied'));
      } catch (err) {
        results.set(a, record(a, 'failed', errorMessage(err)));
      }
    }
  }
  try {
    await publishReferrers(client, d.repo, subject, added.map((x) => x.desc), io.tags, { signal: io.signal });
    for (const { a } of added) results.set(a, record(a, 'copied'));
  } catch (err) {
    for (const { a } of added) results.set(a, record(a, 'failed', `listing it as a referrer: ${errorMessage(err)}`));
  }
  for (const a of found) {
    const r = results.get(a)?.result;
    await place(io, t, d, a.digest, r === 'present' || r === 'copied', a.children);
  }
}
