/**
 * The promotion, top to bottom: the phases in the order they run, and the report built from the
 * state they leave. Without a trust config (tests of the copy alone) the trust phases are left out.
 */
import { RunFailedError } from '../errors.js';
import { dryRunFailure, notAttemptedOutcomes, outcomeCounts, runFailure, type EdgeOutcome } from '../promote/outcome.js';
import { buildReport, type Report, type ReportMode } from '../report/report.js';
import { addPromotion, type PromotionReportFields } from '../report/promotion.js';
import type { Phase } from './phase.js';
import { planPhase } from './phases/plan.js';
import { promotePhase, promotePhaseWith } from './phases/promote.js';
import { INTERRUPTED_HELD, publishPhase } from './phases/publish.js';
import { signingDestinations } from './phases/trust-targets.js';
import type { Plan } from '../plan/classify.js';
import { setupPhase } from './phases/setup.js';
import { attestPhase } from './phases/attest.js';
import { provenancePhase } from './phases/provenance.js';
import { referrersPhase } from './phases/referrers.js';
import { carryPhase } from './phases/carry.js';
import { attachmentFailure, attachmentReport } from '../referrers/outcome.js';
import { signPhase } from './phases/sign.js';
import { trustFailure, trustReport, type TrustConfig } from './phases/trust.js';
import { validatePhase } from './phases/validate.js';
import { policyPhase, type PolicyConfig } from './phases/policy.js';
import { policyReport } from '../policy/report.js';
import { PhaseError, runPipeline, type PipelineResult } from './pipeline.js';
import { newPromotionState, type PromotionDeps, type PromotionOptions, type PromotionState } from './state.js';

/**
 * The phases of a promotion, in order. Without a trust config nothing is verified or signed;
 * without a signer and without any configured check, source signatures are not read.
 * With a signer, every destination gets each image by digest in promote and its tags in publish,
 * after carry (its attachments, planned in referrers), sign and attest: a tag is never visible on
 * any mirror before its attachments and signature exist.
 */
export function promotionPhases(trust?: TrustConfig, policy?: PolicyConfig): Phase<PromotionState>[] {
  const decide = policy ? [policyPhase(policy)] : [];
  if (!trust) return [setupPhase, planPhase, ...decide, promotePhase];
  if (!trust.signer) {
    // nothing to sign and no check configured: no source signature or attestation is read
    const checks = trust.checks === false ? [] : [provenancePhase(trust), validatePhase(trust)];
    return [setupPhase, planPhase, ...checks, ...decide, referrersPhase(trust), promotePhase, carryPhase(trust), signPhase(trust), attestPhase(trust)];
  }
  const holdTags = (plan: Plan): ReadonlySet<string> => signingDestinations(plan, 'replicate');
  return [
    setupPhase,
    planPhase,
    provenancePhase(trust),
    validatePhase(trust),
    ...decide,
    referrersPhase(trust),
    promotePhaseWith({ holdTags }),
    carryPhase(trust),
    signPhase(trust),
    attestPhase(trust),
    publishPhase,
  ];
}

/** What a promotion did. `failure` is set when the run must exit 1 (after the report is written). */
export interface PromotionResult {
  state: PromotionState;
  pipeline: PipelineResult;
  mode: ReportMode;
  report: Report & PromotionReportFields;
  failure?: RunFailedError;
  /** Set when the run's signal was aborted: where, and why (the abort reason's message). */
  interrupted?: { phase: string; reason: string };
}

/**
 * Runs a promotion. Throws on invalid input or a failed phase; a partly failed run resolves with
 * `failure`, an interrupted one (aborted signal) with `interrupted` and every edge marked.
 */
export async function runPromotion(
  options: PromotionOptions,
  deps: PromotionDeps,
  opts: { signal?: AbortSignal; phases?: Phase<PromotionState>[]; trust?: TrustConfig; policy?: PolicyConfig } = {},
): Promise<PromotionResult> {
  const state = newPromotionState(options, deps);
  // A phase that fails unexpectedly ends the run like an interruption: the report is still built,
  // with every edge marked, and the run fails (exit 1) after it is written.
  let pipeline: PipelineResult;
  let crashed: PhaseError | undefined;
  try {
    pipeline = await runPipeline(opts.phases ?? promotionPhases(opts.trust, opts.policy), state, { logger: deps.logger, signal: opts.signal });
  } catch (err) {
    if (!(err instanceof PhaseError)) throw err; // bad input: nothing was attempted (exit 2)
    crashed = err;
    pipeline = err.result ?? { phases: [] };
  } finally {
    // attachments still being found when the pipeline stopped early: no read outlives the run
    await state.attachmentPlanning?.catch(() => {});
  }
  const mode: ReportMode = options.parseOnly ? 'parse-only' : options.confirm ? 'promote' : 'dry-run';
  const expected = state.plan?.edges.filter((p) => p.decision.kind === 'promote').length ?? 0;
  const interrupted = pipeline.interrupted;
  const stopped = interrupted ?? (crashed ? { phase: crashed.phase, reason: crashed.message } : undefined);
  if (stopped && options.confirm && !state.outcomes) state.outcomes = untouched(state, crashed);
  // Stopped after the copy: an image whose tags still wait for its signatures stays untagged.
  if (stopped && state.outcomes) state.outcomes = state.outcomes.map((o) => (o.held ? { ...o, outcome: 'interrupted', error: INTERRUPTED_HELD } : o));
  // A dry run fails when its --confirm run would (presubmit semantics); its refusals are counted there.
  const dryRun = !stopped && mode === 'dry-run' && !state.outcomes && state.plan;
  const why = crashed
    ? stoppedSummary(crashed.message, state.outcomes)
    : interrupted
    ? interruptedSummary(interrupted, state.outcomes)
    : dryRun
      ? dryRunFailure(dryRun)
      : ((state.outcomes ? runFailure(state.outcomes, expected) : undefined) ?? trustFailure(state) ?? attachmentFailure(state.attachments));
  const summary = state.summary ?? { manifests: 0, images: 0, digests: 0, tags: 0, edges: 0 };
  const detail = options.reportDetail ?? 'changes';
  const report = addPromotion(buildReport(mode, summary, state.edges ?? [], state.warnings, detail), {
    detail,
    plan: state.plan,
    outcomes: state.outcomes,
    stats: deps.stats?.(),
    phases: pipeline.phases,
    failure: why,
  });
  if (state.trust) report.trust = trustReport(state.trust);
  if (state.attachmentPlan) report.attachments = attachmentReport(state.attachmentPlan, state.attachments);
  if (state.policy) report.policy = policyReport(state.policy.file, state.policy.decisions, state.policy.imageReads);
  if (interrupted) report.interrupted = interrupted;
  if (crashed) report.phaseFailed = { phase: crashed.phase, error: crashed.message };
  const failure = why
    ? new RunFailedError('RUN_FAILED', interrupted ? why : dryRun ? `dry run: ${why}` : `promotion incomplete: ${why}`, crashed ? { cause: crashed } : undefined)
    : undefined;
  return { state, pipeline, mode, report, ...(failure ? { failure } : {}), ...(interrupted ? { interrupted } : {}) };
}

/**
 * Outcomes of a --confirm run stopped before the promote phase recorded any: nothing was attempted
 * (a failure inside the promote phase itself leaves its copies unknown: marked interrupted).
 */
function untouched(state: PromotionState, crashed?: PhaseError): EdgeOutcome[] {
  const why = crashed ? `phase "${crashed.phase}" failed` : 'interrupted';
  if (state.plan) {
    const marked = notAttemptedOutcomes(state.plan, why);
    if (crashed?.phase !== 'promote') return marked;
    return marked.map((o) => (o.outcome === 'not-attempted' ? { ...o, outcome: 'interrupted', error: crashed.message } : o));
  }
  return (state.edges ?? []).map((edge) => ({ edge, outcome: 'not-attempted', error: `${why} before the plan` }));
}

/** `interrupted by SIGINT during promote: promoted 3, interrupted 2, not attempted 5, …`. */
export function interruptedSummary(i: { phase: string; reason: string }, outcomes?: readonly EdgeOutcome[]): string {
  return stoppedSummary(`${i.reason} during ${i.phase}`, outcomes);
}

/** `HEAD: promoted 3, interrupted 2, not attempted 5, …` (HEAD alone without outcomes). */
function stoppedSummary(head: string, outcomes?: readonly EdgeOutcome[]): string {
  if (!outcomes) return head;
  const c = outcomeCounts(outcomes);
  const parts = [`promoted ${c.promoted}`, `interrupted ${c.interrupted}`, `not attempted ${c['not-attempted']}`];
  if (c['already-present']) parts.push(`already present ${c['already-present']}`);
  if (c.failed) parts.push(`failed ${c.failed}`);
  if (c['refused-tag-move']) parts.push(`tag moves refused ${c['refused-tag-move']}`);
  if (c.lost) parts.push(`lost ${c.lost}`);
  return `${head}: ${parts.join(', ')} (of ${outcomes.length} edges)`;
}
