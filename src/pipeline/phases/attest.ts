/**
 * The attest phase: one promotion attestation per promoted digest (not per mirror or tag), an
 * in-toto Statement v1 with upstream's promotion predicate, signed as a DSSE bundle and attached
 * as a referrer of the image on its canonical destination. Idempotent: a bundle recording the
 * same promotion (same source and destination reference) is not written again.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../../errors.js';
import { buildPromotionStatement, IN_TOTO_PAYLOAD_TYPE, PROMOTION_PREDICATE_TYPE, statementBytes } from '../../provenance/statement.js';
import { attachBundle, findReferrer } from '../../signing/bundle-attach.js';
import { PREDICATE_TYPE_ANNOTATION } from '../../signing/referrers.js';
import { sourceKey } from '../../plan/inventory.js';
import type { ManifestInfo } from '../../registry/types.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { newTrustRecord, runTags, type TrustConfig, type TrustWrite } from './trust.js';
import { promotedImages, type PromotedImage } from './trust-targets.js';

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
      if (!signer || !state.outcomes) return;
      const log = state.deps.logger.child({ phase: 'attest' });
      const trust = (state.trust ??= newTrustRecord());
      const client = state.deps.registry;
      const limit = pLimit(cfg.maxOps);
      const now = cfg.now ?? (() => new Date());
      const tags = runTags(state);
      await Promise.all(
        promotedImages(state.outcomes).map((img) =>
          limit(async () => {
            const dst = img.destinations[0]!;
            const dstRef = `${dst.reference}@${img.digest}`;
            const w: TrustWrite = { ref: dstRef, digest: img.digest, result: 'failed' };
            const annotations = {
              [PREDICATE_TYPE_ANNOTATION]: PROMOTION_PREDICATE_TYPE,
              [PROMOTION_ANNOTATION]: `${img.srcRef} -> ${dstRef}`,
            };
            try {
              if (await findReferrer(client, dst.repo, img.digest, annotations, { signal, tags })) {
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
                await attachBundle(client, dst.repo, img.digest, bundle, annotations, { signal, tags, subject: known(state, img) });
                w.result = 'written';
              }
            } catch (err) {
              w.error = errorMessage(err);
              log.error(`cannot attest ${dstRef}: ${w.error}`);
            }
            trust.attested.push(w);
          }),
        ),
      );
      log.info('attestations done', { images: trust.attested.length, written: trust.attested.filter((w) => w.result === 'written').length });
    },
  };
}

/** The promoted image's manifest as the plan read it from the source (same digest at the destination). */
function known(state: PromotionState, img: PromotedImage): ManifestInfo | undefined {
  const m = state.inventory?.sourceManifests.get(sourceKey(img.source, img.digest));
  return m && { digest: m.digest, mediaType: m.mediaType, size: m.size };
}
