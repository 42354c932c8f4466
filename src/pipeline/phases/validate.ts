/**
 * The validate phase: before anything is copied, verify the signatures of every source image
 * still to promote, once per source digest. Unsigned images pass unless --require-signatures;
 * a signature that exists but does not verify refuses that image's edges (others go on).
 */
import { KpromoError, errorMessage } from '../../errors.js';
import { checkSignatures, type SignatureOutcome } from '../../signing/check.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { checkSources, newTrustRecord, refuseSource, runTags, type TrustConfig } from './trust.js';

/** Builds the validate phase for `cfg`. */
export function validatePhase(cfg: TrustConfig): Phase<PromotionState> {
  return {
    name: 'validate',
    async run(state, signal) {
      const plan = state.plan;
      if (!plan) throw new KpromoError('INTERNAL', 'validate runs after the plan phase');
      const log = state.deps.logger.child({ phase: 'validate' });
      const trust = (state.trust ??= newTrustRecord());
      const deps = { client: state.deps.registry, verifier: cfg.verifier };
      const tags = runTags(state);
      const sources = await checkSources(
        plan.edges,
        trust.signatures,
        cfg.maxOps,
        (s) => checkSignatures(deps, s.repo, s.digest, { require: cfg.requireSignatures, signal, side: 'source', tags }),
        (err): SignatureOutcome => ({ status: 'refused', reason: `cannot read signatures: ${errorMessage(err)}` }),
      );
      let refused = 0;
      for (const s of sources) {
        const out = trust.signatures.get(s.key)!;
        if (out.status === 'refused') {
          refused += refuseSource(plan.edges, s.key, `signature check: ${out.reason}`);
          log.error(`refused ${s.key}: ${out.reason}`);
        } else if (out.status === 'verified') {
          log.debug(`signature verified: ${s.key}`, { signer: out.signer.identity });
        }
      }
      log.debug('signatures checked', { images: sources.length, refusedEdges: refused });
    },
  };
}
