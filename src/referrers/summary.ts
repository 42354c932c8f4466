/**
 * Human text for the attachments a run carried: counts by result and by kind (artifact type or
 * cosign tag), then one line per attachment refused or failed; for a dry run, what it would do.
 * Pure; printed by the CLI after the trust summary.
 */
import { attachmentCounts, type AttachmentOutcome } from './outcome.js';
import { plannedCounts, type PlannedSubject } from './planned.js';

const short = (d: string): string => d.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1…');

/** The attachments summary (the plan's counts when nothing was copied, e.g. a dry run), or '' when the run found none. */
export function formatAttachments(list: readonly AttachmentOutcome[] | undefined, planned?: readonly PlannedSubject[]): string {
  if (!list && planned?.length) {
    const p = plannedCounts(planned);
    return `attachments: ${p.copy} to copy, ${p.present} present, ${p.refused} refused\n`;
  }
  if (!list || list.length === 0) return '';
  const c = attachmentCounts(list);
  const byKind = new Map<string, number>();
  for (const o of list) if (o.result === 'copied') byKind.set(o.kind, (byKind.get(o.kind) ?? 0) + 1);
  const kinds = [...byKind].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, n]) => `${k} ${n}`);
  const lines = [`attachments: ${c.copied} copied, ${c.present} present, ${c.refused} refused, ${c.failed} failed${kinds.length ? ` (copied: ${kinds.join(', ')})` : ''}`];
  for (const o of list) {
    if (o.result !== 'refused' && o.result !== 'failed') continue;
    lines.push(`  ${o.result.toUpperCase().padEnd(10)} ${o.kind} ${short(o.digest)} of ${short(o.subject)} at ${o.repo}: ${o.error ?? ''}`);
  }
  return lines.join('\n') + '\n';
}
