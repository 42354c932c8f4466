/**
 * Policy decisions as the report and a person read them: one entry per (edge, action) with its
 * result, the deciding rule, the reason, the principal and where the principal came from.
 */
import { edgeLabel } from '../plan/edge.js';
import type { EdgeDecision } from './engine.js';

/** One decision in the JSON report. */
export interface ReportDecision {
  edge: string;
  action: string;
  result: 'allow' | 'deny';
  rule: string;
  reason: string;
  principal: string;
  principalFrom: string;
  errors?: string[];
}

/** The `policy` part of the JSON report. */
export function policyReport(file: string, decisions: readonly EdgeDecision[], imageReads = 0): Record<string, unknown> {
  const list: ReportDecision[] = decisions.map((d) => ({
    edge: edgeLabel(d.edge),
    action: d.action,
    result: d.decision.allowed ? 'allow' : 'deny',
    rule: d.decision.rule,
    reason: d.decision.reason,
    principal: d.principal,
    principalFrom: d.principalFrom,
    ...(d.decision.errors ? { errors: d.decision.errors } : {}),
  }));
  const denied = list.filter((d) => d.result === 'deny').length;
  return { file, allowed: list.length - denied, denied, imageReads, decisions: list };
}

/** A readable table: one entry per decision, denials first (`deniedOnly`: the denials alone). */
export function formatDecisions(decisions: readonly EdgeDecision[], opts: { deniedOnly?: boolean } = {}): string {
  if (decisions.length === 0) return 'policy: no edges to decide\n';
  const rows = [...decisions].sort((a, b) => Number(a.decision.allowed) - Number(b.decision.allowed)).filter((d) => !opts.deniedOnly || !d.decision.allowed);
  const lines = rows.map((d) => {
    const verdict = d.decision.allowed ? 'ALLOW' : 'DENY ';
    const who = d.principal || '(no principal)';
    return `${verdict} ${d.action.padEnd(7)} ${edgeLabel(d.edge)}\n        rule ${d.decision.rule}: ${d.decision.reason}\n        principal ${who} (${d.principalFrom})`;
  });
  const denied = decisions.filter((d) => !d.decision.allowed).length;
  return `${lines.map((l) => `${l}\n`).join('')}policy: ${decisions.length - denied} allowed, ${denied} denied\n`;
}
