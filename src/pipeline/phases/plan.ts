/**
 * The plan phase: manifests → edges (offline; `--parse-only` stops here), then the registries are
 * read once (inventory) and every edge is classified.
 */
import { loadManifests } from '../../manifest/load.js';
import { classify, planCounts } from '../../plan/classify.js';
import { manifestsToEdges, summarize } from '../../plan/edges.js';
import { readInventory } from '../../plan/inventory.js';
import { StopPipeline, type Phase } from '../phase.js';
import type { PromotionState } from '../state.js';

/** Loads manifests, computes edges, reads the registries and classifies every edge. */
export const planPhase: Phase<PromotionState> = {
  name: 'plan',
  async run(state, signal) {
    const log = state.deps.logger.child({ phase: 'plan' });
    const loaded = await loadManifests(state.options.manifests);
    state.manifests = loaded.manifests;
    state.warnings.push(...loaded.warnings);
    if (loaded.manifests.length === 0) throw new StopPipeline('no manifests');
    const { edges, warnings } = manifestsToEdges(loaded.manifests);
    state.warnings.push(...warnings);
    state.edges = edges;
    state.summary = summarize(loaded.manifests, edges);
    log.info('computed edges', { ...state.summary });
    if (state.options.parseOnly) throw new StopPipeline('parse only');

    state.inventory = await readInventory(state.deps.registry, edges, {
      concurrency: state.options.readConcurrency,
      signal,
      logger: log,
    });
    state.plan = classify(edges, state.inventory);
    for (const { edge, decision } of state.plan.edges) {
      const ref = `${edge.dstRegistry}/${edge.dstImage}:${edge.tag ?? ''}@${edge.digest}`;
      if (decision.kind === 'lost') log.warn(`_LOST_ (can't find it in src registry!): ${edge.srcRegistry}/${edge.srcImage}@${edge.digest}`);
      if (decision.kind === 'tag-move') log.warn(`tag move refused: ${ref} (the tag points at ${decision.current})`);
      if (decision.kind === 'unreadable') log.error(`cannot plan ${ref}: ${decision.error}`);
    }
    log.info('plan ready', planCounts(state.plan));
  },
};
