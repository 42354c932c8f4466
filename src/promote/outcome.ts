/**
 * Per-edge outcomes of a promotion, combining the plan's decisions with what the copy and the
 * verification found, and the rule for whether the run succeeded.
 */
import type { Digest } from '../image/ref.js';
import { planCounts, type Plan } from '../plan/classify.js';
import { edgeKey, type Edge } from '../plan/edge.js';
import type { CopyOutcome } from './copy.js';

/**
 * What happened to an edge. After an interruption, an edge still to promote is `interrupted` when
 * its copy had begun (blobs may be there; no tag of it is visible unless it completed) and
 * `not-attempted` when nothing was sent for it.
 */
export type OutcomeKind = 'promoted' | 'already-present' | 'lost' | 'refused-tag-move' | 'failed' | 'interrupted' | 'not-attempted';

/** One edge's outcome. */
export interface EdgeOutcome {
  edge: Edge;
  outcome: OutcomeKind;
  /** Why it failed or was refused. */
  error?: string;
  /** For a refused tag move: where the destination tag points. */
  currentDigest?: Digest;
  /** Written by digest, its tag held back until the image is signed and attested (then publish tags it). */
  held?: true;
  /** A failed edge that the policy denied (never attempted). */
  denied?: true;
}

/** Outcomes of every planned edge, in plan order. */
export function collectOutcomes(
  plan: Plan,
  copied: ReadonlyMap<string, CopyOutcome>,
  verifyProblems: ReadonlyMap<string, string>,
): EdgeOutcome[] {
  return plan.edges.map(({ edge, decision }): EdgeOutcome => {
    switch (decision.kind) {
      case 'present':
        return { edge, outcome: 'already-present' };
      case 'lost':
        return { edge, outcome: 'lost', error: "digest not found in the source registry (can't find it in src registry!)" };
      case 'tag-move':
        return {
          edge,
          outcome: 'refused-tag-move',
          error: `tag move refused: ${edge.tag} already points at ${decision.current}`,
          currentDigest: decision.current,
        };
      case 'unreadable':
        return { edge, outcome: 'failed', error: decision.error };
      case 'refused':
        return { edge, outcome: 'failed', error: `refused: ${decision.reason}`, ...(decision.by === 'policy' ? { denied: true as const } : {}) };
      case 'promote': {
        const k = edgeKey(edge);
        const c = copied.get(k) ?? { ok: false, error: 'not copied' };
        if (!c.ok) return { edge, outcome: c.stopped ?? 'failed', error: c.error };
        const problem = verifyProblems.get(k);
        return problem ? { edge, outcome: 'failed', error: problem } : { edge, outcome: 'promoted' };
      }
    }
  });
}

/** Counts by outcome. */
export function outcomeCounts(outcomes: readonly EdgeOutcome[]): Record<OutcomeKind, number> {
  const c: Record<OutcomeKind, number> = { promoted: 0, 'already-present': 0, lost: 0, 'refused-tag-move': 0, failed: 0, interrupted: 0, 'not-attempted': 0 };
  for (const o of outcomes) c[o.outcome]++;
  return c;
}

/**
 * Why the run failed, or undefined when it succeeded: any failed or refused edge fails it, and so
 * does promoting nothing when the plan expected work (performance.md §5, lesson of #1731). Some
 * lost edges beside promoted ones only warn, as upstream.
 */
export function runFailure(outcomes: readonly EdgeOutcome[], expected: number): string | undefined {
  const c = outcomeCounts(outcomes);
  const parts: string[] = [];
  const denied = outcomes.filter((o) => o.denied).length;
  const failed = c.failed - denied;
  if (failed) parts.push(`${failed} edge${failed === 1 ? '' : 's'} failed`);
  if (denied) parts.push(`${denied} edge${denied === 1 ? '' : 's'} denied by the policy`);
  if (c['refused-tag-move']) parts.push(`${c['refused-tag-move']} tag move${c['refused-tag-move'] === 1 ? '' : 's'} refused`);
  if (c.interrupted) parts.push(`${c.interrupted} edge${c.interrupted === 1 ? '' : 's'} interrupted`);
  if (c['not-attempted']) parts.push(`${c['not-attempted']} edge${c['not-attempted'] === 1 ? '' : 's'} not attempted`);
  if (parts.length === 0 && c.promoted === 0) {
    // Everything still to do is "lost": the source answered nothing, as in #1731 when every image
    // looked lost and the job succeeded without promoting anything.
    if (c.lost > 0) parts.push(`promoted nothing: all ${c.lost} edges to promote are missing from the source registry`);
    else if (expected > 0) parts.push(`promoted nothing although ${expected} edges were to be promoted`);
  }
  return parts.length ? parts.join(', ') : undefined;
}

/** The outcomes a --confirm run of `plan` would have if every copy succeeded. */
export function expectedOutcomes(plan: Plan): EdgeOutcome[] {
  const copied = new Map<string, CopyOutcome>();
  for (const p of plan.edges) if (p.decision.kind === 'promote') copied.set(edgeKey(p.edge), { ok: true });
  return collectOutcomes(plan, copied, new Map());
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * Why a --confirm run of this dry run's plan would fail (so the dry run fails: exit 1), or
 * undefined. The rule is runFailure's over expectedOutcomes: refused tag moves, repositories
 * that could not be read and images refused by validation fail; lost edges beside work to do warn.
 */
export function dryRunFailure(plan: Plan): string | undefined {
  const expected = plan.edges.filter((p) => p.decision.kind === 'promote').length;
  const why = runFailure(expectedOutcomes(plan), expected);
  if (!why) return undefined;
  const c = planCounts(plan);
  const parts: string[] = [];
  if (c['tag-move']) parts.push(plural(c['tag-move'], 'tag move refused', 'tag moves refused'));
  if (c.unreadable) parts.push(plural(c.unreadable, 'edge needs a repository that could not be read', 'edges need a repository that could not be read'));
  const denied = plan.edges.filter((p) => p.decision.kind === 'refused' && p.decision.by === 'policy').length;
  const refused = c.refused - denied;
  if (denied) parts.push(plural(denied, 'edge denied by the policy', 'edges denied by the policy'));
  if (refused) parts.push(plural(refused, 'edge refused by signature or provenance checks', 'edges refused by signature or provenance checks'));
  return `a --confirm run would fail: ${parts.length ? parts.join(', ') : why}`;
}

/**
 * Outcomes of a run interrupted before its promote phase recorded any: nothing was copied, so
 * every edge still to promote is not attempted, and so is one whose repository read failed
 * (the interruption cuts reads short).
 */
export function notAttemptedOutcomes(plan: Plan, why = 'interrupted'): EdgeOutcome[] {
  return plan.edges.map(({ edge, decision }, i): EdgeOutcome => {
    if (decision.kind === 'promote') return { edge, outcome: 'not-attempted', error: `${why} before the copy` };
    if (decision.kind === 'unreadable') return { edge, outcome: 'not-attempted', error: `${why}; ${decision.error}` };
    return collectOutcomes({ edges: [plan.edges[i]!] }, new Map(), new Map())[0]!;
  });
}
