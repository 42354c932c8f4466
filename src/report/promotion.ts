/**
 * The promotion part of the run report: the plan's decision or the outcome of the edges the run
 * changed or could not (every edge with detail `all`), the counts, and requests and bytes per
 * registry host. Added to the parse-only Report as optional fields.
 */
import type { HostStats } from '../net/stats.js';
import { planCounts, type Evidence, type Plan } from '../plan/classify.js';
import { edgeKey } from '../plan/edge.js';
import { outcomeCounts, type EdgeOutcome, type OutcomeKind } from '../promote/outcome.js';
import { FailureCap, type OmittedEdges } from './omit.js';
import { reportEdge, type Report, type ReportDetail, type ReportEdge } from './report.js';

/** One edge's outcome as written in the report. */
export interface ReportOutcome extends ReportEdge {
  outcome: OutcomeKind | 'planned';
  /** The plan's decision (dry run) when the copy did not run. */
  decision?: string;
  /** For a present edge: its digest verified (by HEAD or the tag list) or only its tag listed. */
  evidence?: Evidence;
  error?: string;
  currentDigest?: string;
}

/** Requests and bytes of one registry host. */
export interface ReportRequests {
  host: string;
  requests: number;
  byKind: HostStats['byKind'];
  retries: number;
  throttled: number;
  /** Milliseconds spent waiting on this host's budget, Retry-After floors and retry backoff. */
  waitedMs: number;
  /** Network errors (resets, timeouts, refused connections). */
  networkErrors: number;
  peakInFlight: number;
  bytesIn: number;
  bytesOut: number;
}

/** The fields a promotion adds to the report. */
export interface PromotionReportFields {
  outcomes?: ReportOutcome[];
  counts?: Partial<Record<OutcomeKind, number>>;
  planCounts?: ReturnType<typeof planCounts>;
  /** Present edges by how they are known present. */
  presentBy?: Record<Evidence, number>;
  requests?: ReportRequests[];
  phases?: { name: string; durationMs: number; result: string }[];
  /** Edges left out of `outcomes` (detail `changes`) because a registry-wide cause explains them: how many per cause. */
  omitted?: OmittedEdges[];
  /** Why the run failed, when it did. */
  failure?: string;
  /** Set when the run was interrupted: the phase it stopped in and why (e.g. "interrupted by SIGTERM"). */
  interrupted?: { phase: string; reason: string };
  /** Set when a phase failed unexpectedly (an internal error): the phase and its error. */
  phaseFailed?: { phase: string; error: string };
}

/** Adds the plan, outcomes and request counts to `report` (in place) and returns it. */
export function addPromotion(
  report: Report,
  parts: {
    plan?: Plan;
    outcomes?: readonly EdgeOutcome[];
    stats?: readonly HostStats[];
    phases?: PromotionReportFields['phases'];
    failure?: string;
    /** Which edges to list (default `all`). */
    detail?: ReportDetail;
  },
): Report & PromotionReportFields {
  const r = report as Report & PromotionReportFields;
  const all = (parts.detail ?? 'all') === 'all';
  const evidence = new Map<string, Evidence>();
  if (parts.plan) {
    r.planCounts = planCounts(parts.plan);
    r.presentBy = { verified: 0, 'list-digest': 0, 'tag-listed': 0, 'attachment-listed': 0 };
    for (const p of parts.plan.edges) {
      if (p.decision.kind !== 'present' || !p.evidence) continue;
      r.presentBy[p.evidence]++;
      if (all && parts.outcomes) evidence.set(edgeKey(p.edge), p.evidence);
    }
  }
  const cap = all ? undefined : new FailureCap();
  if (parts.outcomes) {
    r.outcomes = [];
    for (const o of parts.outcomes) {
      if (!all && o.outcome === 'already-present') continue;
      if (cap && !cap.list(o.edge, o.outcome, o.error)) continue;
      const ev = o.outcome === 'already-present' ? evidence.get(edgeKey(o.edge)) : undefined;
      r.outcomes.push({
        ...reportEdge(o.edge),
        outcome: o.outcome,
        ...(ev ? { evidence: ev } : {}),
        ...(o.error ? { error: o.error } : {}),
        ...(o.currentDigest ? { currentDigest: o.currentDigest } : {}),
      });
    }
    const counts: Partial<Record<OutcomeKind, number>> = outcomeCounts(parts.outcomes);
    // the kinds of an interrupted run appear only when it was
    for (const k of ['interrupted', 'not-attempted'] as const) if (!counts[k]) delete counts[k];
    r.counts = counts;
  } else if (parts.plan) {
    const listed = all
      ? parts.plan.edges
      : parts.plan.edges.filter((p) => p.decision.kind !== 'present' && cap!.list(p.edge, p.decision.kind, p.decision.kind === 'unreadable' ? p.decision.error : undefined));
    r.outcomes = listed.map(({ edge, decision, evidence: ev }) => ({
      ...reportEdge(edge),
      outcome: 'planned',
      decision: decision.kind === 'promote' && decision.tagOnly ? 'promote (tag only)' : decision.kind,
      ...(ev ? { evidence: ev } : {}),
      ...(decision.kind === 'unreadable' ? { error: decision.error } : {}),
      ...(decision.kind === 'refused' ? { error: decision.reason } : {}),
      ...(decision.kind === 'tag-move' ? { currentDigest: decision.current } : {}),
    }));
  }
  const omitted = cap?.omitted() ?? [];
  if (omitted.length) r.omitted = omitted;
  if (parts.stats) {
    r.requests = parts.stats.map((h) => ({
      host: h.host,
      requests: h.requests,
      byKind: h.byKind,
      retries: h.retries,
      throttled: h.throttled,
      waitedMs: Math.round(h.waitedMs),
      networkErrors: h.networkErrors,
      peakInFlight: h.peakInFlight,
      bytesIn: h.bytesIn,
      bytesOut: h.bytesOut,
    }));
  }
  if (parts.phases) r.phases = parts.phases;
  if (parts.failure) r.failure = parts.failure;
  return r;
}
