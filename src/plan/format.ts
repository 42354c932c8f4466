/**
 * Human text for a plan (dry run) and for the outcomes of a promotion, printed by the CLI. Pure.
 */
import type { Plan, Decision } from './classify.js';
import { planCounts } from './classify.js';
import type { EdgeOutcome, OutcomeKind } from '../promote/outcome.js';
import { outcomeCounts } from '../promote/outcome.js';
import type { Edge } from './edge.js';
import { causeOf, groupFailures, isRegistryWide, type FailureGroup } from './failure-causes.js';

const short = (d: string): string => d.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1…');
const target = (e: Edge): string => `${e.dstRegistry}/${e.dstImage}${e.tag === null ? `@${short(e.digest)}` : `:${e.tag}`}`;
const source = (e: Edge): string => `${e.srcRegistry}/${e.srcImage}@${short(e.digest)}`;

const DECISION_LABEL: Record<Decision['kind'], string> = {
  promote: 'promote',
  present: 'present',
  lost: 'lost',
  'tag-move': 'tag move',
  unreadable: 'unreadable',
  refused: 'refused',
};

/** `n thing`/`n things`. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The registry host a failure of `edge` is about: the side the message names, else the destination. */
export function failureHost(edge: Edge, message: string): string {
  const side = /^source |\(source\)/.test(message) ? edge.srcRegistry : edge.dstRegistry;
  return side.split('/')[0]!;
}

/** The registry-wide causes among failed edges (one per host and reason), and the edges they do not explain. */
export function splitFailures<T extends { edge: Edge; message: string }>(items: readonly T[]): { groups: FailureGroup[]; rest: T[] } {
  const located = items.map((i) => ({ item: i, message: i.message, host: failureHost(i.edge, i.message) }));
  const wide = located.filter((l) => isRegistryWide(causeOf(l.message, l.host)));
  return { groups: groupFailures(wide), rest: located.filter((l) => !wide.includes(l)).map((l) => l.item) };
}

/** One line for a registry-wide cause: `127.0.0.1:5000: connection refused (6 edges)`. */
export function formatGroup(g: FailureGroup): string {
  return `${g.host ?? 'registry'}: ${g.reason} (${plural(g.count, 'edge')})`;
}

/** The plan, one line per edge that needs attention (present edges are counted, not listed). */
export function formatPlan(plan: Plan): string {
  const c = planCounts(plan);
  const tagOnly = plan.edges.filter((p) => p.decision.kind === 'promote' && p.decision.tagOnly).length;
  const lines = [
    `plan: ${c.promote} to promote${tagOnly ? ` (${tagOnly} only add a tag)` : ''}, ${c.present} already present, ` +
      `${c.lost} lost, ${c['tag-move']} tag moves refused, ${c.unreadable} unreadable` +
      (c.refused ? `, ${c.refused} refused` : ''),
  ];
  const unreadable = plan.edges.flatMap(({ edge, decision }) => (decision.kind === 'unreadable' ? [{ edge, message: decision.error }] : []));
  const { groups, rest } = splitFailures(unreadable);
  for (const g of groups) lines.push(`  ${'unreadable'.padEnd(10)} ${formatGroup(g)}`);
  const listed = new Set(rest.map((r) => r.edge));
  for (const { edge, decision } of plan.edges) {
    if (decision.kind === 'present' || (decision.kind === 'unreadable' && !listed.has(edge))) continue;
    let line = `  ${DECISION_LABEL[decision.kind].padEnd(10)} ${source(edge)} → ${target(edge)}`;
    if (decision.kind === 'promote' && decision.tagOnly) line += ' (tag only)';
    if (decision.kind === 'tag-move') line += ` (points at ${short(decision.current)})`;
    if (decision.kind === 'unreadable') line += `: ${decision.error}`;
    if (decision.kind === 'refused') line += `: ${decision.reason}`;
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

const OUTCOME_LABEL: Record<OutcomeKind, string> = {
  promoted: 'promoted',
  'already-present': 'present',
  lost: 'lost',
  'refused-tag-move': 'tag move',
  failed: 'FAILED',
  interrupted: 'INTERRUPTED',
  'not-attempted': 'not tried',
};

/** The outcome counts, then one line per edge that did not succeed. */
export function formatOutcomes(outcomes: readonly EdgeOutcome[]): string {
  const c = outcomeCounts(outcomes);
  const lines = [
    `promoted ${c.promoted}, already present ${c['already-present']}, lost ${c.lost}, ` +
      `tag moves refused ${c['refused-tag-move']}, failed ${c.failed}` +
      (c.interrupted || c['not-attempted'] ? `, interrupted ${c.interrupted}, not attempted ${c['not-attempted']}` : ''),
  ];
  const failed = outcomes.flatMap((o) => (o.outcome === 'failed' && o.error ? [{ edge: o.edge, message: o.error }] : []));
  const { groups, rest } = splitFailures(failed);
  for (const g of groups) lines.push(`  ${'FAILED'.padEnd(10)} ${formatGroup(g)}`);
  const listed = new Set(rest.map((r) => r.edge));
  for (const o of outcomes) {
    if (o.outcome === 'promoted' || o.outcome === 'already-present') continue;
    if (o.outcome === 'failed' && o.error && !listed.has(o.edge)) continue;
    lines.push(`  ${OUTCOME_LABEL[o.outcome].padEnd(10)} ${source(o.edge)} → ${target(o.edge)}${o.error ? `: ${o.error}` : ''}`);
  }
  return lines.join('\n') + '\n';
}
