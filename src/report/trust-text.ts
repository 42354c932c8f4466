/**
 * Human text for what the sign and attest phases found and did, printed by the CLI after the
 * outcomes: the counts, then one line per item healed (written for an image that was already at
 * its destination) and per failure. Pure.
 */
import { healedItems, type TrustRecord, type TrustWrite } from '../pipeline/phases/trust.js';

const short = (ref: string): string => ref.replace(/@(sha256:[0-9a-f]{12})[0-9a-f]+$/, '@$1…');

const count = (ws: readonly TrustWrite[], r: TrustWrite['result']): number => ws.filter((w) => w.result === r).length;

/** The trust summary, or '' when nothing was signed or attested (e.g. --sign=false). */
export function formatTrust(t: TrustRecord): string {
  if (t.signed.length === 0 && t.attested.length === 0) return '';
  const staged = t.signed.filter((w) => w.staging === 'copied').length;
  const healed = healedItems(t);
  const lines = [
    `signatures: ${count(t.signed, 'written')} written, ${count(t.signed, 'copied')} replicated, ${count(t.signed, 'already-present')} present, ` +
      `${count(t.signed, 'failed')} failed; staging signatures copied ${staged}; ` +
      `attestations: ${count(t.attested, 'written')} written, ${count(t.attested, 'already-present')} present, ${count(t.attested, 'failed')} failed; ` +
      `healed ${healed.length}`,
  ];
  for (const h of healed) lines.push(`  healed     ${h.kind.padEnd(17)} ${short(h.ref)}`);
  for (const w of t.signed) if (w.result === 'failed') lines.push(`  FAILED     ${'signature'.padEnd(17)} ${short(w.ref)}: ${w.error ?? ''}`);
  for (const w of t.attested) if (w.result === 'failed') lines.push(`  FAILED     ${'attestation'.padEnd(17)} ${short(w.ref)}: ${w.error ?? ''}`);
  return lines.join('\n') + '\n';
}
