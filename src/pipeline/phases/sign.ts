/**
 * The sign phase: every promoted digest (an index and each of its children) is signed once, on
 * its canonical (first) destination, after copying the staging signature along. `replicate`
 * placement then copies the signatures to the other destinations; it never signs again. A
 * signature already there for our identity is not duplicated.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../../errors.js';
import { repoKey } from '../../image/ref.js';
import type { Logger } from '../../log.js';
import { sourceKey } from '../../plan/inventory.js';
import type { ManifestInfo, RegistryClient } from '../../registry/types.js';
import { COSIGN_SIGN_PREDICATE_TYPE } from '../../signing/check.js';
import { PREDICATE_TYPE_ANNOTATION } from '../../signing/referrers.js';
import { attachBundle, findReferrer } from '../../signing/bundle-attach.js';
import { parseSimpleSigningPayload, buildSimpleSigningPayload } from '../../signing/simple-signing.js';
import { cosignAnnotations, sigTag } from '../../signing/sig-image.js';
import { appendSignature, copySignatures } from '../../signing/sig-store.js';
import type { TagIndex } from '../../signing/tag-index.js';
import type { Signer, SimpleSigningLayer } from '../../signing/types.js';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1, statementBytes } from '../../provenance/statement.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { newTrustRecord, runTags, type TrustConfig, type TrustWrite } from './trust.js';
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
      const tags = runTags(state);
      const limit = pLimit(cfg.maxOps);
      const jobs: Promise<void>[] = [];
      const images = promotedImages(state.outcomes).filter((i) => i.destinations.length > 0);
      // Index children come from the manifest the plan read (same digest, same bytes); read
      // bounded when it is not there, so signing jobs never wait inside a limit slot.
      const manifestsOf = await Promise.all(
        images.map((img) => {
          const known = state.inventory?.sourceManifests.get(sourceKey(img.source, img.digest));
          return limit(() => withChildren(client, img.destinations[0]!.repo, img.digest, signal, known));
        }),
      );
      const io: SignIo = { client, signer, cfg, tags, signal };
      // A child digest may also be promoted on its own: sign each (repository, digest) once.
      const planned = new Set<string>();
      for (const [i, img] of images.entries()) {
        const [canonical, ...others] = img.destinations as [TrustDestination, ...TrustDestination[]];
        for (const subject of manifestsOf[i]!) {
          const d = subject.digest;
          const key = `${repoKey(canonical.repo)}@${d}`;
          if (planned.has(key)) continue;
          planned.add(key);
          jobs.push(
            limit(async () => {
              const w: TrustWrite = { ref: `${canonical.reference}@${d}`, digest: d, result: 'failed' };
              try {
                const staged = await copySignatures(client, img.source, canonical.repo, d, { signal, tags });
                if (staged === 'copied') log.debug(`copied staging signature of ${d}`);
                w.result = await signOne(io, canonical, subject);
                if (cfg.placement === 'replicate') {
                  for (const o of others) await replicate(io, canonical, o, subject, log);
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

/** What signing one digest needs from the phase. */
interface SignIo {
  client: RegistryClient;
  signer: Signer;
  cfg: TrustConfig;
  tags: TagIndex;
  signal: AbortSignal;
}

async function signOne({ client, signer, cfg, tags, signal }: SignIo, dst: TrustDestination, subject: ManifestInfo): Promise<TrustWrite['result']> {
  const d = subject.digest;
  const optional = { [VERSION_ANNOTATION]: `kpromo-${cfg.version}` };
  if (cfg.format === 'bundle') {
    const identity = await signer.identity();
    const ours = { [PREDICATE_TYPE_ANNOTATION]: COSIGN_SIGN_PREDICATE_TYPE, [SIGNER_ANNOTATION]: identity };
    if (await findReferrer(client, dst.repo, d, ours, { signal, tags })) return 'already-present';
    const statement = {
      _type: IN_TOTO_STATEMENT_V1,
      subject: [{ name: dst.reference, digest: { [d.split(':')[0]!]: d.split(':')[1]! } }],
      predicateType: COSIGN_SIGN_PREDICATE_TYPE,
      predicate: { annotations: optional },
    };
    const bundle = await signer.signDsse(statementBytes(statement), IN_TOTO_PAYLOAD_TYPE);
    await attachBundle(client, dst.repo, d, bundle, ours, { signal, tags, subject });
    return 'written';
  }
  const isOurs = async (l: SimpleSigningLayer): Promise<boolean> => {
    const p = parseSimpleSigningPayload(l.payload);
    return p?.critical.image['docker-manifest-digest'] === d && p.critical.identity['docker-reference'] === dst.reference && (await signer.owns(l));
  };
  const sign = async (): Promise<SimpleSigningLayer> => {
    const payload = buildSimpleSigningPayload(dst.reference, d, optional);
    return { payload, annotations: cosignAnnotations(await signer.signMessage(payload)) };
  };
  return appendSignature(client, dst.repo, d, sign, isOurs, { signal, tags });
}

async function replicate({ client, cfg, tags, signal }: SignIo, from: TrustDestination, to: TrustDestination, subject: ManifestInfo, log: Logger): Promise<void> {
  const d = subject.digest;
  if (cfg.format === 'simple') {
    const r = await copySignatures(client, from.repo, to.repo, d, { signal, tags });
    log.debug(`replicate ${sigTag(d)} to ${to.reference}: ${r}`);
    return;
  }
  const found = await findReferrer(client, from.repo, d, { [PREDICATE_TYPE_ANNOTATION]: COSIGN_SIGN_PREDICATE_TYPE }, { signal, tags });
  if (!found) return;
  const there = await findReferrer(client, to.repo, d, { [PREDICATE_TYPE_ANNOTATION]: COSIGN_SIGN_PREDICATE_TYPE, ...found.annotations }, { signal, tags });
  if (there) return;
  await attachBundle(client, to.repo, d, found.bundle, found.annotations, { signal, tags, subject });
}
