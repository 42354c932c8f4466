/**
 * The carry phase: after promote, copies the attachments the referrers phase planned, digest-
 * preserving and in each destination's scheme (the referrers API lists them by itself; without
 * it one merged write of the fallback index per subject). An attachment is written only where
 * its subject now is: where the image failed to land, or a parent attachment failed, it is
 * refused. Runs before sign and publish: with a signer, an image whose attachments failed stays
 * untagged there.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../../errors.js';
import { repoKey } from '../../image/ref.js';
import type { Descriptor } from '../../registry/types.js';
import { attachmentKind } from '../../referrers/attachment.js';
import { copyAttachment, publishReferrers } from '../../referrers/copy.js';
import { attachmentCounts, type AttachmentOutcome } from '../../referrers/outcome.js';
import type { PlannedAttachment, PlannedSubject } from '../../referrers/planned.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { runTags, type TrustConfig } from './trust.js';
import { imageAt, trustTargets } from './trust-targets.js';

/** Builds the carry phase for `cfg` (concurrency). */
export function carryPhase(cfg: TrustConfig): Phase<PromotionState> {
  return {
    name: 'carry',
    async run(state, signal) {
      await state.attachmentPlanning;
      const planned = state.attachmentPlan;
      if (!planned?.length || !state.outcomes || !state.plan) return;
      const log = state.deps.logger.child({ phase: 'carry' });
      const landed = new Set<string>();
      for (const t of trustTargets(state.plan, state.outcomes, state.inventory)) for (const d of t.destinations) if (d.ready) landed.add(imageAt(d.repo, t.digest));
      const out: AttachmentOutcome[] = (state.attachments ??= []);
      const limit = pLimit(cfg.maxOps);
      await Promise.all(planned.map((s) => limit(() => carry(state, s, landed.has(imageAt(s.dst, s.image)), s.attachments, s.subject, out, signal))));
      for (const o of out) if (o.result === 'failed') log.error(`attachment ${o.kind} ${o.digest} of ${o.subject} not copied to ${o.repo}: ${o.error}`);
      log.info('attachments done', attachmentCounts(out));
    },
  };
}

/** Places the attachments `list` of `subject` (at `s.dst` when `placed`), then theirs. */
async function carry(
  state: PromotionState,
  s: PlannedSubject,
  placed: boolean,
  list: readonly PlannedAttachment[],
  subject: PlannedSubject['subject'],
  out: AttachmentOutcome[],
  signal: AbortSignal,
): Promise<void> {
  const client = state.deps.registry;
  const tags = runTags(state);
  const results = new Map<PlannedAttachment, AttachmentOutcome['result']>();
  const record = (p: PlannedAttachment, result: AttachmentOutcome['result'], error?: string): void => {
    const a = p.attachment;
    out.push({ image: s.image, subject, digest: a.digest, scheme: a.scheme, kind: attachmentKind(a), repo: repoKey(s.dst), result, ...(error ? { error } : {}) });
    results.set(p, result);
  };
  const added: { p: PlannedAttachment; desc: Descriptor }[] = [];
  for (const p of list) {
    const a = p.attachment;
    if (!placed) record(p, 'refused', `its subject ${subject} is not at the destination`);
    else if (p.decision.kind === 'refused') record(p, 'refused', p.decision.reason);
    else if (p.decision.kind === 'present') record(p, 'present');
    else {
      try {
        const desc = await copyAttachment(client, s.source, s.dst, a, { signal });
        if (a.tag) tags.add(s.dst, a.tag);
        if (a.scheme === 'referrer') added.push({ p, desc });
        else record(p, 'copied');
      } catch (err) {
        record(p, 'failed', errorMessage(err));
      }
    }
  }
  try {
    await publishReferrers(client, s.dst, subject, added.map((x) => x.desc), tags, { signal });
    for (const { p } of added) record(p, 'copied');
  } catch (err) {
    for (const { p } of added) record(p, 'failed', `listing it as a referrer: ${errorMessage(err)}`);
  }
  for (const p of list) {
    const r = results.get(p);
    await carry(state, s, r === 'present' || r === 'copied', p.children, p.attachment.digest, out, signal);
  }
}
