/**
 * The sign phase reconciles signatures: every image digest the manifests declare (present before
 * the run or written by it) ends signed once, on its canonical (first) destination, with the
 * staging signature copied along; `replicate` placement then copies the signatures to the other
 * destinations (it never signs again). What is already there is found from the run's listings
 * (tag lists, referrer lists) and not written again; what is missing is written, so a run whose
 * signing failed is healed by the next one.
 *
 * An index's children are signed before the index itself, and the index only when all of them
 * were: a complete signature of the index therefore stands for its children, and the steady
 * state reads no manifest.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../../errors.js';
import type { Digest } from '../../image/ref.js';
import { repoKey } from '../../image/ref.js';
import type { Logger } from '../../log.js';
import type { ManifestInfo, RegistryClient } from '../../registry/types.js';
import { COSIGN_SIGN_PREDICATE_TYPE } from '../../signing/check.js';
import { PREDICATE_TYPE_ANNOTATION } from '../../signing/referrers.js';
import { attachBundle, findReferrer, hasReferrer } from '../../signing/bundle-attach.js';
import { parseSimpleSigningPayload, buildSimpleSigningPayload } from '../../signing/simple-signing.js';
import { cosignAnnotations, sigTag } from '../../signing/sig-image.js';
import { copySignatures, reconcileSignatures } from '../../signing/sig-store.js';
import type { TagIndex } from '../../signing/tag-index.js';
import type { Signer, SimpleSigningLayer } from '../../signing/types.js';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1, statementBytes } from '../../provenance/statement.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { newTrustRecord, runTags, type TrustConfig, type TrustRecord, type TrustWrite } from './trust.js';
import { exceptSignDenied, imageAt, trustTargets, withChildren, type TrustDestination, type TrustTarget } from './trust-targets.js';

/** Annotation naming kpromo's signer on bundle referrers (dedup across runs). */
export const SIGNER_ANNOTATION = 'dev.kpromo.signer';
/** Annotation upstream stamps into the payload (forces a fresh signature per kpromo version). */
export const VERSION_ANNOTATION = 'org.kubernetes.kpromo.version';

/** Builds the sign phase for `cfg` (a no-op with --sign=false: signatures are left alone). */
export function signPhase(cfg: TrustConfig): Phase<PromotionState> {
  return {
    name: 'sign',
    async run(state, signal) {
      const signer = cfg.signer;
      if (!signer || !state.outcomes || !state.plan) return;
      const log = state.deps.logger.child({ phase: 'sign' });
      const trust = (state.trust ??= newTrustRecord());
      const io: SignIo = { client: state.deps.registry, signer, cfg, tags: runTags(state), signal, log, trust, once: new Map(), replicated: new Map() };
      const limit = pLimit(cfg.maxOps);
      const targets = exceptSignDenied(trustTargets(state.plan, state.outcomes, state.inventory), state.policy?.signDenied);
      await Promise.all(targets.map((t) => limit(() => signTarget(io, t))));
      // Interrupted: what was cut short is recorded failed; the run stops in this phase.
      signal.throwIfAborted();
      const n = (r: TrustWrite['result']): number => trust.signed.filter((w) => w.result === r).length;
      log.info('signing done', {
        signatures: trust.signed.length,
        written: n('written'),
        copied: n('copied'),
        healed: trust.signed.filter((w) => w.healed).length,
        failed: n('failed'),
      });
    },
  };
}

/**
 * What signing needs from the phase, and the (repository, digest) pairs under way: each signed
 * once at its canonical destination, and replicated once to each other destination.
 */
interface SignIo {
  client: RegistryClient;
  signer: Signer;
  cfg: TrustConfig;
  tags: TagIndex;
  signal: AbortSignal;
  log: Logger;
  trust: TrustRecord;
  once: Map<string, Promise<{ changed: boolean } | { error: string }>>;
  replicated: Map<string, Promise<string | undefined>>;
}

/** Signs one image (its children first) where it is missing; records every result. */
async function signTarget(io: SignIo, t: TrustTarget): Promise<void> {
  const [canonical, ...others] = t.destinations;
  const replicas = io.cfg.placement === 'replicate' ? others.filter((d) => d.ready) : [];
  const record = (dst: TrustDestination, d: Digest, result: TrustWrite['result'], more: Partial<TrustWrite> = {}): void => {
    const w: TrustWrite = { ref: `${dst.reference}@${d}`, digest: d, result, repo: repoKey(dst.repo), image: t.digest, ...more };
    if (t.healed && (result === 'written' || result === 'copied' || more.staging === 'copied')) w.healed = true;
    if (result === 'failed') io.log.error(`cannot sign ${w.ref}: ${w.error}`);
    io.trust.signed.push(w);
  };
  if (!canonical.ready) {
    record(canonical, t.digest, 'failed', { error: `the image is not at its canonical destination ${repoKey(canonical.repo)}` });
    return;
  }
  // A failed lookup is not fatal here: the full path below reads again and reports per subject.
  if (await complete(io, t, canonical, replicas).catch(() => false)) {
    for (const dst of [canonical, ...replicas]) record(dst, t.digest, 'already-present');
    return;
  }
  let subjects: ManifestInfo[];
  try {
    subjects = await withChildren(io.client, canonical.repo, t.digest, io.signal, t.manifest);
  } catch (err) {
    record(canonical, t.digest, 'failed', { error: `reading the image: ${errorMessage(err)}` });
    return;
  }
  const [self, ...children] = subjects as [ManifestInfo, ...ManifestInfo[]];
  const failed = (await Promise.all(children.map((c) => subjectOnce(io, t, c, canonical, replicas, record)))).filter((e) => e !== undefined);
  if (failed.length > 0) {
    record(canonical, t.digest, 'failed', { error: `not signed: a child's signature failed: ${failed[0]}` });
    return;
  }
  await subjectOnce(io, t, self, canonical, replicas, record);
}

type RecordFn = (dst: TrustDestination, d: Digest, result: TrustWrite['result'], more?: Partial<TrustWrite>) => void;

/**
 * Signs `subject` at `canonical` (once per run per repository and digest) and replicates it to
 * `replicas` (once per run per replica: a child two indexes share reaches the mirrors of both);
 * resolves to its error.
 */
async function subjectOnce(io: SignIo, t: TrustTarget, subject: ManifestInfo, canonical: TrustDestination, replicas: TrustDestination[], record: RecordFn): Promise<string | undefined> {
  const k = imageAt(canonical.repo, subject.digest);
  let signed = io.once.get(k);
  if (!signed) {
    signed = signAt(io, t, canonical, subject, record).then(
      (changed) => ({ changed }),
      (err: unknown) => {
        record(canonical, subject.digest, 'failed', { error: errorMessage(err) });
        return { error: errorMessage(err) };
      },
    );
    io.once.set(k, signed);
  }
  const done = await signed;
  if ('error' in done) return done.error;
  let error: string | undefined;
  for (const r of replicas) {
    const rk = imageAt(r.repo, subject.digest);
    let p = io.replicated.get(rk);
    if (!p) {
      p = (async () => {
        try {
          record(r, subject.digest, await replicate(io, t, canonical, r, subject, done.changed));
          return undefined;
        } catch (err) {
          record(r, subject.digest, 'failed', { error: `replicating: ${errorMessage(err)}` });
          return errorMessage(err);
        }
      })();
      io.replicated.set(rk, p);
    }
    error ??= await p;
  }
  return error;
}

/**
 * Whether the image's own signature is complete by the listings alone: ours at the canonical
 * destination (and each replica), and no staging `.sig` that might still need copying along.
 */
async function complete(io: SignIo, t: TrustTarget, canonical: TrustDestination, replicas: TrustDestination[]): Promise<boolean> {
  const { tags, signal } = io;
  const tag = sigTag(t.digest);
  if ((await tags.has(t.source, tag, { signal })) !== false) return false;
  if (io.cfg.format === 'simple') {
    for (const d of [canonical, ...replicas]) if ((await tags.has(d.repo, tag, { signal })) !== true) return false;
    return true;
  }
  let identity: string;
  try {
    identity = await io.signer.identity();
  } catch {
    return false; // signing reports why
  }
  if (!(await hasReferrer(io.client, canonical.repo, t.digest, ours(identity), { signal, tags }))) return false;
  for (const d of replicas) {
    if (!(await hasReferrer(io.client, d.repo, t.digest, ours(identity), { signal, tags }))) return false;
  }
  return true;
}

const ours = (identity: string): Record<string, string> => ({ [PREDICATE_TYPE_ANNOTATION]: COSIGN_SIGN_PREDICATE_TYPE, [SIGNER_ANNOTATION]: identity });

/** Makes `subject` signed by us at `dst`, with the staging signature along; returns whether anything was written. */
async function signAt(io: SignIo, t: TrustTarget, dst: TrustDestination, subject: ManifestInfo, record: RecordFn): Promise<boolean> {
  const { client, signer, cfg, tags, signal } = io;
  const d = subject.digest;
  const optional = { [VERSION_ANNOTATION]: `kpromo-${cfg.version}` };
  if (cfg.format === 'bundle') {
    const mine = ours(await signer.identity());
    let result: TrustWrite['result'] = 'already-present';
    if (!(await hasReferrer(client, dst.repo, d, mine, { signal, tags }))) {
      const statement = {
        _type: IN_TOTO_STATEMENT_V1,
        subject: [{ name: dst.reference, digest: { [d.split(':')[0]!]: d.split(':')[1]! } }],
        predicateType: COSIGN_SIGN_PREDICATE_TYPE,
        predicate: { annotations: optional },
      };
      const bundle = await signer.signDsse(statementBytes(statement), IN_TOTO_PAYLOAD_TYPE);
      await attachBundle(client, dst.repo, d, bundle, mine, { signal, tags, subject });
      result = 'written';
    }
    // The staging `.sig` comes along as it is (only after our own signature is there).
    const staged = await copySignatures(client, t.source, dst.repo, d, { signal, tags });
    record(dst, d, result, staged === 'absent' ? {} : { staging: staged });
    return result === 'written' || staged === 'copied';
  }
  const isOurs = async (l: SimpleSigningLayer): Promise<boolean> => {
    const p = parseSimpleSigningPayload(l.payload);
    return p?.critical.image['docker-manifest-digest'] === d && p.critical.identity['docker-reference'] === dst.reference && (await signer.owns(l));
  };
  const sign = async (): Promise<SimpleSigningLayer> => {
    const payload = buildSimpleSigningPayload(dst.reference, d, optional);
    return { payload, annotations: cosignAnnotations(await signer.signMessage(payload)) };
  };
  const r = await reconcileSignatures(client, t.source, dst.repo, d, sign, isOurs, { signal, tags });
  record(dst, d, r.signed, r.staging === 'absent' ? {} : { staging: r.staging });
  return r.signed === 'written' || r.staging === 'copied';
}

/** Copies the signatures of `subject` from `from` to `to` where missing (never signs). */
async function replicate(io: SignIo, t: TrustTarget, from: TrustDestination, to: TrustDestination, subject: ManifestInfo, changed: boolean): Promise<TrustWrite['result']> {
  const { client, cfg, tags, signal } = io;
  const d = subject.digest;
  if (cfg.format === 'simple') {
    // Unchanged at the source of the copy and listed at the replica: nothing to read.
    if (!changed && (await tags.has(to.repo, sigTag(d), { signal })) === true && (await tags.has(t.source, sigTag(d), { signal })) === false) {
      return 'already-present';
    }
    const r = await copySignatures(client, from.repo, to.repo, d, { signal, tags });
    io.log.debug(`replicate ${sigTag(d)} to ${to.reference}: ${r}`);
    return r === 'copied' ? 'copied' : 'already-present';
  }
  const mine = ours(await io.signer.identity());
  if (await hasReferrer(client, to.repo, d, mine, { signal, tags })) return 'already-present';
  const found = await findReferrer(client, from.repo, d, mine, { signal, tags });
  if (!found) throw new Error(`no signature of ours at ${from.reference}@${d} to copy`);
  await attachBundle(client, to.repo, d, found.bundle, found.annotations, { signal, tags, subject });
  return 'copied';
}
