/**
 * The plan phase: manifests → edges (offline; `--parse-only` stops here), then the registries are
 * read once (inventory) and every edge is classified.
 */
import { formatProblem } from '../../errors.js';
import { classify, planCounts } from '../../plan/classify.js';
import { planOffline } from '../../plan/offline.js';
import { dstRepo, readInventory } from '../../plan/inventory.js';
import { edgeLabel } from '../../plan/edge.js';
import { repoKey } from '../../image/ref.js';
import { nullProgress } from '../../progress.js';
import { StopPipeline, type Phase } from '../phase.js';
import type { PromotionState } from '../state.js';

/** Loads manifests, computes edges, reads the registries and classifies every edge. */
export const planPhase: Phase<PromotionState> = {
  name: 'plan',
  async run(state, signal) {
    const log = state.deps.logger.child({ phase: 'plan' });
    const offline = await (state.deps.loadPlan ?? (() => planOffline(state.options.manifests)))();
    state.manifests = offline.manifests;
    state.warnings.push(...offline.warnings);
    for (const w of offline.warnings) log.warn(formatProblem(w));
    state.edges = offline.edges;
    state.summary = offline.summary;
    log.debug('computed edges', { ...offline.summary });
    if (offline.manifests.length === 0) throw new StopPipeline('no manifests');
    if (state.options.parseOnly) throw new StopPipeline('parse only');

    const progress = state.deps.progress ?? nullProgress;
    const repos = new Set(offline.edges.map((e) => repoKey(dstRepo(e)))).size;
    progress.phase('plan', { images: repos });
    state.inventory = await readInventory(state.deps.registry, offline.edges, {
      perHost: state.options.requestsPerHost,
      verifyExisting: state.options.verifyExisting,
      progress,
      signal,
      logger: log,
    });
    state.plan = classify(offline.edges, state.inventory);
    // one warning per missing source image, however many destinations wanted it
    const lost = new Map<string, number>();
    for (const { edge, decision } of state.plan.edges) {
      const ref = edgeLabel(edge);
      if (decision.kind === 'lost') {
        const src = `${edge.srcRegistry}/${edge.srcImage}@${edge.digest}`;
        lost.set(src, (lost.get(src) ?? 0) + 1);
      }
      if (decision.kind === 'tag-move') log.warn(`tag move refused: ${ref} (the tag points at ${decision.current})`);
      // per edge at debug: the CLI reports unreadable edges grouped by cause (one line per registry)
      if (decision.kind === 'unreadable') log.debug(`cannot plan ${ref}: ${decision.error}`);
    }
    for (const [src, n] of lost) log.warn(`_LOST_ (can't find it in src registry!): ${src} (${n} edge${n === 1 ? '' : 's'})`);
    log.info('plan', planCounts(state.plan));
  },
};
