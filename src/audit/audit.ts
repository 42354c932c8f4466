/**
 * The one-shot audit: declared (from the edges) against observed (read once per repository),
 * as a list of findings. `kpromo audit` prints it; `kpromo audit serve` runs it to reconcile.
 */
import { repoKey } from '../image/ref.js';
import type { Edge } from '../plan/edge.js';
import { dstRepo } from '../plan/inventory.js';
import type { RegistryClient } from '../registry/types.js';
import { declaredRepos } from './declared.js';
import { countFindings, driftFindings, type Finding, type FindingKind } from './findings.js';
import { readObserved, type ReadOptions } from './read.js';

/** The audit's result (also the `--report-file` JSON). */
export interface AuditReport {
  /** Destination repositories compared. */
  repositories: number;
  findings: Finding[];
  counts: Partial<Record<FindingKind, number>>;
}

/** Compares every destination of `edges` with what the registries hold. */
export async function auditRegistries(client: RegistryClient, edges: readonly Edge[], opts: ReadOptions = {}): Promise<AuditReport> {
  const declared = declaredRepos(edges);
  const observed = await readObserved(client, declared, edges, opts);
  const findings = driftFindings(declared, observed);
  return { repositories: declared.size, findings, counts: countFindings(findings) };
}

/** The edges a promotion would write to heal the `missing` findings (nothing else: no move, no delete). */
export function missingEdges(edges: readonly Edge[], findings: readonly Finding[]): Edge[] {
  const missing = new Set(findings.filter((f) => f.kind === 'missing').map((f) => `${f.repo} ${f.tag ?? f.digest}`));
  return edges.filter((e) => missing.has(`${repoKey(dstRepo(e))} ${e.tag ?? e.digest}`));
}

/** The report as a table: one line per finding, then the counts. */
export function formatAudit(r: AuditReport): string {
  const rows = r.findings.map((f) => [
    f.kind,
    f.tag ? `${f.repo}:${f.tag}` : `${f.repo}@${f.digest ?? ''}`,
    f.kind === 'tag-moved' ? `${f.digest} (declared ${f.expected})` : f.tag && f.digest ? f.digest : (f.detail ?? ''),
  ]);
  const width = (i: number): number => Math.max(0, ...rows.map((row) => row[i]!.length));
  const lines = rows.map((row) => `${row[0]!.padEnd(width(0))}  ${row[1]!.padEnd(width(1))}  ${row[2]}`.trimEnd());
  const counts = Object.entries(r.counts).map(([k, n]) => `${n} ${k}`);
  const summary = counts.length ? `${r.findings.length} findings in ${r.repositories} repositories: ${counts.join(', ')}` : `clean: ${r.repositories} repositories match the manifests`;
  return `${lines.length ? `${lines.join('\n')}\n` : ''}${summary}\n`;
}
