/**
 * The referrers phase plans what travels with each image this run promotes (and each child of
 * an index): staging's OCI referrers (SBOMs, provenance, bundle signatures, ...) and cosign's
 * `.att` / `.sbom` tags, then theirs (a signature on an SBOM), for the destinations that carry
 * signatures (the canonical one, or every one with `replicate`). Each is decided like an edge
 * from the destination's referrer list and tag list: present, to copy, or refused (its subject
 * is refused there). It runs before promote, so a dry run counts them; the carry phase copies
 * them after promote. When tags go with the copy (no signature to wait for), finding them goes on
 * while promote copies. The image's own `.sig` is the sign phase's (it copies it along with ours;
 * --sign=false leaves signatures alone); the `.sig` of an attachment travels here.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../../errors.js';
import type { Digest, RepoRef } from '../../image/ref.js';
import { repoKey } from '../../image/ref.js';
import { dstRepo, sourceKey, srcRepo } from '../../plan/inventory.js';
import { classifyAttachment, type Attachment } from '../../referrers/attachment.js';
import { discoverAttachments } from '../../referrers/discover.js';
import { ALL_REFERRERS } from '../../referrers/filter.js';
import { plannedCounts, type PlannedAttachment, type PlannedSubject } from '../../referrers/planned.js';
import type { TagIndex } from '../../signing/tag-index.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { runTags, type TrustConfig } from './trust.js';
import { withChildren } from './trust-targets.js';

/** An image this run promotes: where it comes from, and each destination that gets its attachments. */
interface ToCarry {
  image: Digest;
  source: RepoRef;
  /** Destination repositories, each with whether the image may be there after promote. */
  dests: { repo: RepoRef; ready: boolean }[];
}

/** Builds the referrers phase for `cfg` (placement, concurrency, --copy-referrers). */
export function referrersPhase(cfg: TrustConfig): Phase<PromotionState> {
  return {
    name: 'referrers',
    async run(state, signal) {
      const filter = cfg.referrers ?? ALL_REFERRERS;
      if (filter.kind === 'none' || !state.plan) return;
      const log = state.deps.logger.child({ phase: 'referrers' });
      const tags = runTags(state);
      const discover = { tags, filter, skipOwn: ['sig'] as const, opts: { signal } };
      const planned: PlannedSubject[] = (state.attachmentPlan = []);
      const limit = pLimit(cfg.maxOps);
      const planning = Promise.all(
        toCarry(state, cfg).map((c) =>
          limit(async () => {
            let subjects: Digest[];
            try {
              const known = state.inventory?.sourceManifests.get(sourceKey(c.source, c.image));
              subjects = (await withChildren(state.deps.registry, c.source, c.image, signal, known)).map((s) => s.digest);
            } catch (err) {
              log.error(`cannot read ${repoKey(c.source)}@${c.image} for its attachments: ${errorMessage(err)}`);
              return;
            }
            for (const subject of subjects) {
              let found: Attachment[];
              try {
                found = await discoverAttachments(discover, c.source, subject);
              } catch (err) {
                log.error(`cannot list the attachments of ${repoKey(c.source)}@${subject}: ${errorMessage(err)}`);
                continue;
              }
              if (found.length === 0) continue;
              for (const d of c.dests) {
                planned.push({ image: c.image, subject, source: c.source, dst: d.repo, attachments: await decide(tags, d.repo, subject, d.ready, found, signal) });
              }
            }
          }),
        ),
      ).then(() => log.info('attachments planned', plannedCounts(planned)));
      // Tags written with the copy (no signature to wait for) do not depend on the attachments:
      // promote copies while they are found, and carry waits for them. A dry run reports them, and
      // tags held for signatures wait for them: both wait here.
      // A failure is carry's to report (its phase fails, as this one would have).
      if (state.options.confirm && !cfg.signer) {
        state.attachmentPlanning = planning;
        planning.catch(() => {}); // settled by carry, or by the promoter when the run stops first
        return;
      }
      await planning;
    },
  };
}

/** The images with an edge to promote, each once, with the destinations their attachments go to. */
function toCarry(state: PromotionState, cfg: TrustConfig): ToCarry[] {
  const byImage = new Map<string, ToCarry>();
  const promoted = new Set(state.plan!.edges.filter((p) => p.decision.kind === 'promote').map((p) => p.edge.digest as string));
  for (const { edge, decision } of state.plan!.edges) {
    if (!promoted.has(edge.digest)) continue;
    let c = byImage.get(edge.digest);
    if (!c) byImage.set(edge.digest, (c = { image: edge.digest, source: srcRepo(edge), dests: [] }));
    const repo = dstRepo(edge);
    let d = c.dests.find((x) => repoKey(x.repo) === repoKey(repo));
    if (!d) {
      // canonical placement: the first destination only (as signatures)
      if (cfg.placement !== 'replicate' && c.dests.length > 0) continue;
      c.dests.push((d = { repo, ready: false }));
    }
    if (decision.kind === 'promote' || decision.kind === 'present') d.ready = true;
  }
  return [...byImage.values()];
}

/** Decides `found` at `dst` from its lists (read only when the subject may be there), then their own under each. */
async function decide(tags: TagIndex, dst: RepoRef, subject: Digest, ready: boolean, found: Attachment[], signal: AbortSignal): Promise<PlannedAttachment[]> {
  const opts = { signal, side: 'destination' as const };
  let referrers: ReadonlySet<string> = new Set();
  const tagged = new Map<string, boolean | undefined>();
  if (ready) {
    if (found.some((a) => a.scheme === 'referrer')) referrers = new Set((await tags.listReferrers(dst, subject, opts)).map((x) => x.digest as string));
    for (const a of found) if (a.tag) tagged.set(a.tag, await tags.has(dst, a.tag, opts));
  }
  const view = { subjectReady: ready, referrers, hasTag: (tag: string) => tagged.get(tag) };
  const out: PlannedAttachment[] = [];
  for (const a of found) {
    const decision = classifyAttachment(a, view);
    // A new attachment has nothing attached at the destination yet: its own are copies, with no read.
    const children =
      decision.kind === 'present'
        ? await decide(tags, dst, a.digest, true, a.children, signal)
        : a.children.map((c) => refuseOrCopy(c, decision.kind === 'copy'));
    out.push({ attachment: a, decision, children });
  }
  return out;
}

function refuseOrCopy(a: Attachment, placed: boolean): PlannedAttachment {
  return {
    attachment: a,
    decision: placed ? { kind: 'copy' } : { kind: 'refused', reason: `its subject ${a.subject} is not at the destination` },
    children: a.children.map((c) => refuseOrCopy(c, placed)),
  };
}
