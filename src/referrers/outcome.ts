/** What happened to each attachment at each destination, for the state, the report and the summary. */
import type { Digest } from '../image/ref.js';
import { plannedCounts, type PlannedSubject } from './planned.js';

/** One attachment at one destination. */
export interface AttachmentOutcome {
  /** The image (top digest) the attachment belongs to. */
  image: Digest;
  subject: Digest;
  digest: Digest;
  scheme: 'referrer' | 'tag';
  /** Its artifact type, or cosign's `.sig` / `.att` / `.sbom`. */
  kind: string;
  /** The destination repository, `host/repo`. */
  repo: string;
  result: 'present' | 'copied' | 'refused' | 'failed';
  error?: string;
}

/** Counts by result. */
export function attachmentCounts(list: readonly AttachmentOutcome[]): Record<AttachmentOutcome['result'], number> {
  const c = { present: 0, copied: 0, refused: 0, failed: 0 };
  for (const o of list) c[o.result]++;
  return c;
}

/** Why the attachments fail the run (exit 1), or undefined: attachments that could not be written. */
export function attachmentFailure(list: readonly AttachmentOutcome[] | undefined): string | undefined {
  const n = list?.filter((o) => o.result === 'failed').length ?? 0;
  return n ? `${n} attachment${n === 1 ? '' : 's'} (referrers, SBOMs, attestations) not copied` : undefined;
}

/** The first failed attachment of `image` at one of `repos`, if any (publish holds its tags back). */
export function failedAttachment(list: readonly AttachmentOutcome[] | undefined, image: Digest, repos: readonly (string | undefined)[]): AttachmentOutcome | undefined {
  return list?.find((o) => o.result === 'failed' && o.image === image && repos.includes(o.repo));
}

/** The attachments part of the JSON report: the plan's counts, and after a real run the counts and every attachment not simply present. */
export function attachmentReport(
  planned: readonly PlannedSubject[],
  list: readonly AttachmentOutcome[] | undefined,
): { planned: ReturnType<typeof plannedCounts>; counts?: Record<AttachmentOutcome['result'], number>; items?: AttachmentOutcome[] } {
  const out: ReturnType<typeof attachmentReport> = { planned: plannedCounts(planned) };
  if (list) {
    out.counts = attachmentCounts(list);
    out.items = list.filter((o) => o.result !== 'present');
  }
  return out;
}
