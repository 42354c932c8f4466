/**
 * The promote phase: a dry run stops here (after provenance and validate, as upstream). Otherwise
 * copies what the plan marked, verifies every written (image, destination) pair, and records
 * the outcome of every edge (also when the run is interrupted part-way).
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
    const written = plan.edges.filter((p) => p.decision.kind === 'promote' && copied.get(edgeKeyOf(p.edge))?.ok).map((p) => p.edge);
    let problems = new Map<string, string>();
    try {
      if (!signal.aborted) problems = await verifyEdges(state.deps.registry, written, { concurrency: state.options.readConcurrency, signal });
    } catch (err) {
      if (!signal.aborted) throw err;
    }
    // Interrupted: the copies that completed are promoted (their PUTs succeeded; verification is
    // skipped), the others are marked interrupted or not attempted, and the run stops here.
    state.outcomes = collectOutcomes(plan, copied, signal.aborted ? new Map() : problems);
    signal.throwIfAborted();
    for (const o of state.outcomes) {
      if (o.outcome === 'failed') log.error(`failed: ${edgeKeyOf(o.edge)}: ${o.error}`);
    }
    log.info('promotion done', outcomeCounts(state.outcomes));
  },
};
