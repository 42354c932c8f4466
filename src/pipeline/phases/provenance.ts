/**
 * The provenance phase: SLSA provenance (v0.2, v1) attached to source images, by referrer or
 * `.att` tag, verified once per source digest. Verify-if-present by default; --require-provenance
 * makes it mandatory; --allowed-builders / --allowed-source-repos are the policy. Foreign
 * signers are ignored. A refusal blocks that image's edges only.
 */
import { KpromoError, errorMessage } from '../../errors.js';
import { checkProvenance, type ProvenanceOutcome } from '../../provenance/check.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { checkSources, newTrustRecord, refuseSource, runTags, type TrustConfig } from './trust.js';

/** Builds the provenance phase for `cfg`. */
export function provenancePhase(cfg: TrustConfig): Phase<PromotionState> {
  return {
    name: 'provenance',
    async run(state, signal) {
      const plan = state.plan;
      if (!plan) throw new KpromoError('INTERNAL', 'provenance runs after the plan phase');
      const log = state.deps.logger.child({ phase: 'provenance' });
      const trust = (state.trust ??= newTrustRecord());
      const deps = { client: state.deps.registry, verifier: cfg.verifier, logger: log };
      const tags = runTags(state);
      const sources = await checkSources(
        plan.edges,
        trust.provenance,
        cfg.maxOps,
        (s) => checkProvenance(deps, s.repo, s.digest, cfg.provenance, { signal, side: 'source', tags }),
        (err): ProvenanceOutcome => ({ status: 'refused', reason: `cannot read attestations: ${errorMessage(err)}` }),
      );
      const counts = { verified: 0, absent: 0, refused: 0 };
      for (const s of sources) {
        const out = trust.provenance.get(s.key)!;
        counts[out.status]++;
        if (out.status === 'refused') {
          refuseSource(plan.edges, s.key, `provenance: ${out.reason}`);
          log.error(`refused ${s.key}: ${out.reason}`);
        } else if (out.status === 'absent') {
          log.debug(`no trusted provenance for ${s.key}`, { ignored: out.ignored.length });
        }
      }
      log.debug('provenance checked', counts);
    },
  };
}
