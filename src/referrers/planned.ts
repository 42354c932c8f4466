/**
 * The attachments a run will place: for each (destination, subject), the staging attachments
 * with their decision (present, copy, refused) and, under each, its own attachments. Made before
 * promote (a dry run counts them), carried out after it.
 */
import type { Digest, RepoRef } from '../image/ref.js';
import type { Attachment, AttachmentDecision } from './attachment.js';

/** One attachment at one destination, decided. */
export interface PlannedAttachment {
  attachment: Attachment;
  decision: AttachmentDecision;
  children: PlannedAttachment[];
}

/** The attachments of one subject (an image or an index child) at one destination. */
export interface PlannedSubject {
  /** The image (top digest) the subject belongs to. */
  image: Digest;
  subject: Digest;
  source: RepoRef;
  dst: RepoRef;
  attachments: PlannedAttachment[];
}

/** Counts of decisions, nested attachments included. */
export function plannedCounts(list: readonly PlannedSubject[]): { present: number; copy: number; refused: number } {
  const c = { present: 0, copy: 0, refused: 0 };
  const walk = (ps: readonly PlannedAttachment[]): void => {
    for (const p of ps) {
      c[p.decision.kind]++;
      walk(p.children);
    }
  };
  for (const s of list) walk(s.attachments);
  return c;
}
