/**
 * The sign phase: every promoted digest (an index and each of its children) is signed once, on
 * its canonical (first) destination, after copying the staging signature along. `replicate`
 * placement then copies the signatures to the other destinations; it never signs again. A
 * signature already there for our identity is not duplicated.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../../errors.js';
import { repoKey, type Digest } from '../../image/ref.js';
import type { Logger } from '../../log.js';
import type { RegistryClient } from '../../registry/types.js';
import { COSIGN_SIGN_PREDICATE_TYPE } from '../../signing/check.js';
import { PREDICATE_TYPE_ANNOTATION } from '../../signing/referrers.js';
import { attachBundle, findReferrer } from '../../signing/bundle-attach.js';
import { parseSimpleSigningPayload, buildSimpleSigningPayload } from '../../signing/simple-signing.js';
import { cosignAnnotations, buildSigImage, sigTag } from '../../signing/sig-image.js';
import { copySignatures, readSignatures } from '../../signing/sig-store.js';
import { pushImage } from '../../signing/registry-io.js';
import type { Signer } from '../../signing/types.js';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1, statementBytes } from '../../provenance/statement.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { newTrustRecord, type TrustConfig, type TrustWrite } from './trust.js';
import { promotedImages, withChildren, type TrustDestination } from './trust-targets.js';

/** Annotation naming kpromo's signer on bundle referrers (dedup across runs). */
export const SIGNER_ANNOTATION = 'dev.kpromo.signer';
/** Annotation upstream stamps into the payload (forces a fresh signature per kpromo version). */
export const VERSION_ANNOTATION = 'org.kubernetes.kpromo.version';

/** Builds the sign phase for `cfg` (a no-op with --sign=false). */
export function signPhase(cfg: TrustConfig): Phase<PromotionState> {
  return {
    name: 'sign',
    async run(state, signal) {
      const signer = cfg.signer;
      const log = state.deps.logger.child({ phase: 'sign' });
      if (!signer || !state.outcomes) return;
      const trust = (state.trust ??= newTrustRecord());
      const client = state.deps.registry;
      const limit = pLimit(cfg.maxOps);
      const jobs: Promise<void>[] = [];
      const images = promotedImages(state.outcomes).filter((i) => i.destinations.length > 0);
      // Index children are read first (bounded), so signing jobs never wait inside a limit slot.
      const digestsOf = await Promise.all(
        images.map((img) => limit(() => withChildren(client, img.destinations[0]!.repo, img.digest, signal))),
      );
      // A child digest may also be promoted on its own: sign each (repository, digest) once.
      const planned = new Set<string>();
      for (const [i, img] of images.entries()) {
        const [canonical, ...others] = img.destinations as [TrustDestination, ...TrustDestination[]];
        for (const d of digestsOf[i]!) {
          const key = `${repoKey(canonical.repo)}@${d}`;
          if (planned.has(key)) continue;
          planned.add(key);
          jobs.push(
            limit(async () => {
              const w: TrustWrite = { ref: `${canonical.reference}@${d}`, digest: d, result: 'failed' };
              try {
                const staged = await copySignatures(client, img.source, canonical.repo, d, { signal });
                if (staged === 'copied') log.debug(`copied staging signature of ${d}`);
                w.result = await signOne(client, signer, cfg, canonical, d, signal);
                if (cfg.placement === 'replicate') {
                  for (const o of others) await replicate(client, cfg, canonical, o, d, signal, log);
                }
              } catch (err) {
                w.error = errorMessage(err);
                log.error(`cannot sign ${w.ref}: ${w.error}`);
              }
              trust.signed.push(w);
            }),
          );
        }
      }
      await Promise.all(jobs);
      const written = trust.signed.filter((w) => w.result === 'written').length;
      log.info('signing done', { signatures: trust.signed.length, written, failed: trust.signed.filter((w) => w.result === 'failed').length });
    },
  };
}

async function signOne(
  client: RegistryClient,
  signer: Signer,
  cfg: TrustConfig,
  dst: TrustDestination,
  d: Digest,
  signal: AbortSignal,
): Promise<TrustWrite['result']> {
  const optional = { [VERSION_ANNOTATION]: `kpromo-${cfg.version}` };
  if (cfg.format === 'bundle') {
    const identity = await signer.identity();
    const found = await findReferrer(client, dst.repo, d, { [PREDICATE_TYPE_ANNOTATION]: COSIGN_SIGN_PREDICATE_TYPE, [SIGNER_ANNOTATION]: identity }, signal);
    if (found) return 'already-present';
    const statement = {
      _type: IN_TOTO_STATEMENT_V1,
      subject: [{ name: dst.reference, digest: { [d.split(':')[0]!]: d.split(':')[1]! } }],
      predicateType: COSIGN_SIGN_PREDICATE_TYPE,
      predicate: { annotations: optional },
    };
    const bundle = await signer.signDsse(statementBytes(statement), IN_TOTO_PAYLOAD_TYPE);
    await attachBundle(client, dst.repo, d, bundle, { [PREDICATE_TYPE_ANNOTATION]: COSIGN_SIGN_PREDICATE_TYPE, [SIGNER_ANNOTATION]: identity }, signal);
    return 'written';
  }
  const existing = await readSignatures(client, dst.repo, d, { signal });
  for (const l of existing?.layers ?? []) {
    const p = parseSimpleSigningPayload(l.payload);
    if (p?.critical.image['docker-manifest-digest'] === d && p.critical.identity['docker-reference'] === dst.reference && (await signer.owns(l))) {
      return 'already-present';
    }
  }
  const payload = buildSimpleSigningPayload(dst.reference, d, optional);
  const msg = await signer.signMessage(payload);
  const layers = [...(existing?.layers ?? []), { payload, annotations: cosignAnnotations(msg) }];
  await pushImage(client, dst.repo, buildSigImage(layers), sigTag(d), { signal });
  return 'written';
}

async function replicate(
  client: RegistryClient,
  cfg: TrustConfig,
  from: TrustDestination,
  to: TrustDestination,
  d: Digest,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  if (cfg.format === 'simple') {
    const r = await copySignatures(client, from.repo, to.repo, d, { signal });
    log.debug(`replicate ${sigTag(d)} to ${to.reference}: ${r}`);
    return;
  }
  const found = await findReferrer(client, from.repo, d, { [PREDICATE_TYPE_ANNOTATION]: COSIGN_SIGN_PREDICATE_TYPE }, signal);
  if (!found) return;
  const there = await findReferrer(client, to.repo, d, { [PREDICATE_TYPE_ANNOTATION]: COSIGN_SIGN_PREDICATE_TYPE, ...found.annotations }, signal);
  if (there) return;
  await attachBundle(client, to.repo, d, found.bundle, found.annotations, signal);
}
