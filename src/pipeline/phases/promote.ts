/**
 * The promote phase: a dry run stops here (after provenance and validate, as upstream). Otherwise
 * copies what the plan marked, verifies every written (image, destination) pair, and records
 * the outcome of every edge (also when the run is interrupted part-way). Where tags wait for
 * signatures (signed before visible), the images go by digest only and are handed to the publish
 * phase as `state.held`.
 */
import { KpromoError } from '../../errors.js';
import type { Plan } from '../../plan/classify.js';
import { edgeKey as edgeKeyOf, edgeLabel, type Edge } from '../../plan/edge.js';
import { dstRepo } from '../../plan/inventory.js';
import { copyPlan } from '../../promote/copy.js';
import { collectOutcomes, outcomeCounts } from '../../promote/outcome.js';
import { verifyEdges } from '../../promote/verify.js';
import { StopPipeline, type Phase } from '../phase.js';
import type { HeldImage, PromotionState } from '../state.js';
import { imageAt } from './trust-targets.js';

/** Why a held edge is not promoted yet (until publish tags it). */
export const HELD_REASON = 'tag held until the image is signed and attested';

/** Options of the promote phase. */
export interface PromotePhaseOptions {
  /** The `repo@digest` pairs whose tags wait for signatures (see signingDestinations). */
  holdTags?: (plan: Plan) => ReadonlySet<string>;
}

/** Builds the promote phase: copies, verifies and records outcomes; stops the pipeline on a dry run. */
export function promotePhaseWith(o: PromotePhaseOptions = {}): Phase<PromotionState> {
  return {
    name: 'promote',
    async run(state, signal) {
      const { plan, inventory } = state;
      if (!plan || !inventory) throw new KpromoError('INTERNAL', 'promote runs after the plan phase');
      if (!state.options.confirm) throw new StopPipeline('dry run: stopped after validate (pass --confirm to promote)');
      const log = state.deps.logger.child({ phase: 'promote' });
      const holding = o.holdTags?.(plan);
      const copied = await copyPlan(state.deps.registry, plan, inventory, {
        concurrency: state.options.copyConcurrency,
        writesPerHost: state.options.writesPerHost,
        blobConcurrency: state.options.blobConcurrency,
        signal,
        logger: log,
        progress: state.deps.progress,
        retry: state.deps.retry,
        ...(holding ? { hold: (repo, d) => holding.has(imageAt(repo, d)) } : {}),
      });
      const full = state.options.verifyExisting === true;
      const written: Edge[] = [];
      const held = new Map<string, HeldImage>();
      for (const p of plan.edges) {
        const c = copied.get(edgeKeyOf(p.edge));
        if (p.decision.kind !== 'promote' || !c?.ok) continue;
        if (!c.held) {
          // A write the registry's answer proved (201 with the digest sent) needs no HEAD; the
          // rest, or every write with --verify-existing, is read back.
          if (full || c.confirmed !== true) written.push(p.edge);
          continue;
        }
        const k = imageAt(dstRepo(p.edge), p.edge.digest);
        let h = held.get(k);
        if (!h) held.set(k, (h = { repo: dstRepo(p.edge), top: c.held, edges: [] }));
        h.edges.push(p.edge);
      }
      // A held image was written by digest, a PUT answered with that digest: its tags are verified once published.
      let problems = new Map<string, string>();
      try {
        if (!signal.aborted) problems = await verifyEdges(state.deps.registry, written, { perHost: state.options.requestsPerHost, signal });
      } catch (err) {
        if (!signal.aborted) throw err;
      }
      const heldKeys = new Set([...held.values()].flatMap((h) => h.edges.map(edgeKeyOf)));
      // Interrupted: the copies that completed are promoted (their PUTs succeeded; verification is
      // skipped), the others are marked interrupted or not attempted, and the run stops here. A
      // held image stays untagged (its tags wait for signatures that will not be written).
      state.outcomes = collectOutcomes(plan, copied, signal.aborted ? new Map() : problems).map((x) =>
        heldKeys.has(edgeKeyOf(x.edge)) ? { edge: x.edge, outcome: signal.aborted ? 'interrupted' : 'failed', error: HELD_REASON, held: true } : x,
      );
      state.held = [...held.values()];
      signal.throwIfAborted();
      for (const x of state.outcomes) {
        // per edge at debug: the CLI reports failures grouped by cause
        if (x.outcome === 'failed' && !x.held) log.debug(`failed: ${edgeLabel(x.edge)}: ${x.error}`);
      }
      // a held edge is neither promoted nor failed yet: publish settles it
      log.info('promotion done', { ...outcomeCounts(state.outcomes.filter((x) => !x.held)), held: heldKeys.size });
    },
  };
}

/** The promote phase without signatures to wait for: tags go with the copy. */
export const promotePhase: Phase<PromotionState> = promotePhaseWith();
