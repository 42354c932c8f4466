/**
 * The promote phase: a dry run stops here (after provenance and validate, as upstream). Otherwise
 * copies what the plan marked, verifies every written (image, destination) pair, and records
 * the outcome of every edge.
 */
import { KpromoError } from '../../errors.js';
import { edgeKey as edgeKeyOf } from '../../plan/edge.js';
import { copyPlan } from '../../promote/copy.js';
import { collectOutcomes, outcomeCounts } from '../../promote/outcome.js';
import { verifyEdges } from '../../promote/verify.js';
import { StopPipeline, type Phase } from '../phase.js';
import type { PromotionState } from '../state.js';

/** Copies, verifies and records outcomes; stops the pipeline on a dry run. */
export const promotePhase: Phase<PromotionState> = {
  name: 'promote',
  async run(state, signal) {
    const { plan, inventory } = state;
    if (!plan || !inventory) throw new KpromoError('INTERNAL', 'promote runs after the plan phase');
    if (!state.options.confirm) throw new StopPipeline('dry run (pass --confirm to promote)');
    const log = state.deps.logger.child({ phase: 'promote' });
    const copied = await copyPlan(state.deps.registry, plan, inventory, {
      concurrency: state.options.copyConcurrency,
      blobConcurrency: state.options.blobConcurrency,
      signal,
      logger: log,
      progress: state.deps.progress,
    });
    signal.throwIfAborted(); // an interrupted copy is a failed phase, not a list of failed edges
    // A write the registry's answer proved (201 with the digest sent) needs no HEAD; the rest, or
    // every write with --verify-existing, is read back.
    const full = state.options.verifyExisting === true;
    const written = plan.edges
      .filter((p) => {
        const c = p.decision.kind === 'promote' ? copied.get(edgeKeyOf(p.edge)) : undefined;
        return c?.ok === true && (full || c.confirmed !== true);
      })
      .map((p) => p.edge);
    const problems = await verifyEdges(state.deps.registry, written, { perHost: state.options.requestsPerHost, signal });
    state.outcomes = collectOutcomes(plan, copied, problems);
    for (const o of state.outcomes) {
      if (o.outcome === 'failed') log.error(`failed: ${edgeKeyOf(o.edge)}: ${o.error}`);
    }
    log.info('promotion done', outcomeCounts(state.outcomes));
  },
};
