/**
 * The attest phase: one promotion attestation per image digest the manifests declare (not per
 * mirror or tag), an in-toto Statement v1 with upstream's promotion predicate, signed as a DSSE
 * bundle and attached as a referrer of the image on its canonical destination. Reconciling: an
 * image already present gets its attestation when it lacks one; a bundle recording the same
 * promotion (same source and destination reference) is found from the referrer list alone and
 * not written again.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../../errors.js';
import { repoKey } from '../../image/ref.js';
import { buildPromotionStatement, IN_TOTO_PAYLOAD_TYPE, PROMOTION_PREDICATE_TYPE, statementBytes } from '../../provenance/statement.js';
import { attachBundle, hasReferrer } from '../../signing/bundle-attach.js';
import { PREDICATE_TYPE_ANNOTATION } from '../../signing/referrers.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { newTrustRecord, runTags, type TrustConfig, type TrustWrite } from './trust.js';
import { exceptSignDenied, knownSubject, trustTargets } from './trust-targets.js';

/** Referrer annotation identifying the promotion an attestation records (`src -> dst`). */
export const PROMOTION_ANNOTATION = 'dev.kpromo.promotion';

/** The builder id stamped into promotion records. */
export function builderId(version: string): string {
  return `https://k8s.io/promo-tools/kpromo@${version}`;
}

/** Builds the attest phase (a no-op with --sign=false, as upstream). */
export function attestPhase(cfg: TrustConfig): Phase<PromotionState> {
  return {
    name: 'attest',
    async run(state, signal) {
      const signer = cfg.signer;
      if (!signer || !state.outcomes || !state.plan) return;
      const log = state.deps.logger.child({ phase: 'attest' });
      const trust = (state.trust ??= newTrustRecord());
      const client = state.deps.registry;
      const limit = pLimit(cfg.maxOps);
      const now = cfg.now ?? (() => new Date());
      const tags = runTags(state);
      await Promise.all(
        exceptSignDenied(trustTargets(state.plan, state.outcomes, state.inventory), state.policy?.signDenied).map((img) =>
          limit(async () => {
            const dst = img.destinations[0];
            const dstRef = `${dst.reference}@${img.digest}`;
            const w: TrustWrite = { ref: dstRef, digest: img.digest, result: 'failed', repo: repoKey(dst.repo), image: img.digest };
            const annotations = {
              [PREDICATE_TYPE_ANNOTATION]: PROMOTION_PREDICATE_TYPE,
              [PROMOTION_ANNOTATION]: `${img.srcRef} -> ${dstRef}`,
            };
            try {
              if (!dst.ready) {
                w.error = `the image is not at its canonical destination ${repoKey(dst.repo)}`;
              } else if (await hasReferrer(client, dst.repo, img.digest, annotations, { signal, tags })) {
                w.result = 'already-present';
              } else {
                const statement = buildPromotionStatement({
                  srcRef: img.srcRef,
                  dstRef,
                  digest: img.digest,
                  timestamp: now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
                  builderId: builderId(cfg.version),
                });
                const bundle = await signer.signDsse(statementBytes(statement), IN_TOTO_PAYLOAD_TYPE);
                await attachBundle(client, dst.repo, img.digest, bundle, annotations, { signal, tags, subject: knownSubject(img) });
                w.result = 'written';
                if (img.healed) w.healed = true;
              }
            } catch (err) {
              w.error = errorMessage(err);
            }
            if (w.result === 'failed') log.error(`cannot attest ${dstRef}: ${w.error}`);
            trust.attested.push(w);
          }),
        ),
      );
      // Interrupted: what was cut short is recorded failed; the run stops in this phase.
      signal.throwIfAborted();
      const n = (r: TrustWrite['result']): number => trust.attested.filter((w) => w.result === r).length;
      log.info('attestations done', { images: trust.attested.length, written: n('written'), healed: trust.attested.filter((w) => w.healed).length, failed: n('failed') });
    },
  };
}
