/**
 * The promotion, top to bottom: the phases in the order they run, and the report built from the
 * state they leave. Without a trust config (tests of the copy alone) the trust phases are left out.
 */
import { RunFailedError } from '../errors.js';
import { dryRunFailure, runFailure } from '../promote/outcome.js';
import { buildReport, type Report, type ReportMode } from '../report/report.js';
import { addPromotion, type PromotionReportFields } from '../report/promotion.js';
import type { Phase } from './phase.js';
import { planPhase } from './phases/plan.js';
import { promotePhase } from './phases/promote.js';
import { setupPhase } from './phases/setup.js';
import { attestPhase } from './phases/attest.js';
import { provenancePhase } from './phases/provenance.js';
import { signPhase } from './phases/sign.js';
import { trustFailure, trustReport, type TrustConfig } from './phases/trust.js';
import { validatePhase } from './phases/validate.js';
import { runPipeline, type PipelineResult } from './pipeline.js';
import { newPromotionState, type PromotionDeps, type PromotionOptions, type PromotionState } from './state.js';

/** The phases of a promotion, in order. Without a trust config nothing is verified or signed. */
export function promotionPhases(trust?: TrustConfig): Phase<PromotionState>[] {
  if (!trust) return [setupPhase, planPhase, promotePhase];
  return [setupPhase, planPhase, provenancePhase(trust), validatePhase(trust), promotePhase, signPhase(trust), attestPhase(trust)];
}

/** What a promotion did. `failure` is set when the run must exit 1 (after the report is written). */
export interface PromotionResult {
  state: PromotionState;
  pipeline: PipelineResult;
  mode: ReportMode;
  report: Report & PromotionReportFields;
  failure?: RunFailedError;
}

/** Runs a promotion. Throws on invalid input or a failed phase; a partly failed run resolves with `failure`. */
export async function runPromotion(
  options: PromotionOptions,
  deps: PromotionDeps,
  opts: { signal?: AbortSignal; phases?: Phase<PromotionState>[]; trust?: TrustConfig } = {},
): Promise<PromotionResult> {
  const state = newPromotionState(options, deps);
  const pipeline = await runPipeline(opts.phases ?? promotionPhases(opts.trust), state, { logger: deps.logger, signal: opts.signal });
  const mode: ReportMode = options.parseOnly ? 'parse-only' : options.confirm ? 'promote' : 'dry-run';
  const expected = state.plan?.edges.filter((p) => p.decision.kind === 'promote').length ?? 0;
  // A dry run fails when its --confirm run would (presubmit semantics); its refusals are counted there.
  const dryRun = mode === 'dry-run' && !state.outcomes && state.plan;
  const why = dryRun ? dryRunFailure(dryRun) : ((state.outcomes ? runFailure(state.outcomes, expected) : undefined) ?? trustFailure(state));
  const summary = state.summary ?? { manifests: 0, images: 0, digests: 0, tags: 0, edges: 0 };
  const report = addPromotion(buildReport(mode, summary, state.edges ?? [], state.warnings), {
    plan: state.plan,
    outcomes: state.outcomes,
    stats: deps.stats?.(),
    phases: pipeline.phases,
    failure: why,
  });
  if (state.trust) report.trust = trustReport(state.trust);
  return { state, pipeline, mode, report, ...(why ? { failure: new RunFailedError('RUN_FAILED', dryRun ? `dry run: ${why}` : `promotion incomplete: ${why}`) } : {}) };
}
