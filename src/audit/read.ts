/**
 * Reads what the audit compares: each destination repository once, all in parallel under a
 * per-host budget (the plan's HostLimits, over the network policy of the client). Every tag is
 * verified, since the audit must see moved tags: each listed tag's digest comes from the list
 * when the registry gives digests (Google's `manifest` map), else from one HEAD per listed tag
 * (declared ones, and undeclared ones to tell an extra tag from an unknown digest). Declared
 * tagless digests are HEADed by digest. Signatures and attestations are looked up where the
 * placement wants them: `.sig` / `.att` tags from the same listing (no request), referrers
 * through the trust phases' TagIndex (the listing seeds it).
 */
import { errorMessage } from '../errors.js';
import { repoKey, type Digest, type RepoRef } from '../image/ref.js';
import { signingDestinations, imageAt } from '../pipeline/phases/trust-targets.js';
import type { SignaturePlacement, SignatureFormat } from '../pipeline/phases/trust.js';
import type { Edge } from '../plan/edge.js';
import { HostLimits } from '../plan/host-limits.js';
import { DEFAULT_REQUESTS_PER_HOST } from '../plan/inventory.js';
import { PROMOTION_PREDICATE_TYPE } from '../provenance/statement.js';
import type { RegistryClient, TagList } from '../registry/types.js';
import { hasReferrer } from '../signing/bundle-attach.js';
import { COSIGN_SIGN_PREDICATE_TYPE } from '../signing/check.js';
import { PREDICATE_TYPE_ANNOTATION } from '../signing/referrers.js';
import { sigTag } from '../signing/sig-image.js';
import { TagIndex } from '../signing/tag-index.js';
import { readTagList } from '../registry/tag-list.js';
import { isAttachmentTag, type Declared, type DeclaredRepo } from './declared.js';
import type { ObservedRepo } from './findings.js';

/** Which signatures and attestations must be there (as `kpromo cip` writes them). */
export interface TrustExpectations {
  /** Signatures: none checked, or where `kpromo cip --signature-placement` puts them. */
  signatures?: SignaturePlacement;
  format?: SignatureFormat;
  /** Promotion attestations on each digest's canonical destination. */
  attestations?: boolean;
}

/** Options of readObserved. */
export interface ReadOptions {
  perHost?: number;
  trust?: TrustExpectations;
  signal?: AbortSignal;
}

/** Reads every declared repository; read failures are recorded per repository, never thrown. */
export async function readObserved(
  client: RegistryClient,
  declared: Declared,
  edges: readonly Edge[],
  opts: ReadOptions = {},
): Promise<Map<string, ObservedRepo>> {
  const limits = new HostLimits(opts.perHost ?? DEFAULT_REQUESTS_PER_HOST);
  const call = { signal: opts.signal, side: 'destination' as const };
  const on = <T>(repo: RepoRef, fn: () => Promise<T>): Promise<T> => limits.run(repo.host, fn);
  const trust = opts.trust ?? {};
  const plan = { edges: edges.map((edge) => ({ edge, decision: { kind: 'present' as const } })) };
  const mustSign = trust.signatures ? signingDestinations(plan, trust.signatures) : new Set<string>();
  const mustAttest = trust.attestations ? signingDestinations(plan, 'canonical') : new Set<string>();
  const tagIndex = new TagIndex(client);

  const readRepo = async (want: DeclaredRepo): Promise<ObservedRepo> => {
    const repo = want.repo;
    const list: TagList = await on(repo, () => readTagList(client, repo, call));
    tagIndex.seed(repo, list.tags);
    const tags = new Map<string, Digest | undefined>();
    const heads: string[] = [];
    for (const t of list.tags) {
      if (isAttachmentTag(t)) continue;
      const d = list.tagDigests?.get(t);
      tags.set(t, d);
      if (d === undefined) heads.push(t);
    }
    const digests = new Map<Digest, boolean>();
    const taggedDigests = new Set(want.tags.values());
    const tagless = [...want.digests.keys()].filter((d) => !taggedDigests.has(d));
    await Promise.all([
      ...heads.map(async (t) => {
        const info = await on(repo, () => client.headManifest(repo, t, call));
        if (info) tags.set(t, info.digest);
        else tags.delete(t); // deleted since the listing
      }),
      ...tagless.map(async (d) => {
        if (list.manifests) return void digests.set(d, list.manifests.has(d));
        digests.set(d, (await on(repo, () => client.headManifest(repo, d, call))) !== undefined);
      }),
    ]);
    const tagged = new Set(tags.values());
    const present = (d: Digest): boolean => digests.get(d) === true || tagged.has(d);
    const listed = new Set(list.tags);
    const signed = new Map<Digest, boolean>();
    const attested = new Map<Digest, boolean>();
    await Promise.all(
      [...want.digests.keys()].filter(present).map(async (d) => {
        const key = imageAt(repo, d);
        const refOpts = { signal: opts.signal, tags: tagIndex };
        if (mustSign.has(key)) {
          signed.set(
            d,
            trust.format === 'bundle'
              ? await on(repo, () => hasReferrer(client, repo, d, { [PREDICATE_TYPE_ANNOTATION]: COSIGN_SIGN_PREDICATE_TYPE }, refOpts))
              : listed.has(sigTag(d)),
          );
        }
        if (mustAttest.has(key)) {
          attested.set(d, await on(repo, () => hasReferrer(client, repo, d, { [PREDICATE_TYPE_ANNOTATION]: PROMOTION_PREDICATE_TYPE }, refOpts)));
        }
      }),
    );
    return { tags, digests, ...(mustSign.size ? { signed } : {}), ...(mustAttest.size ? { attested } : {}) };
  };

  const out = new Map<string, ObservedRepo>();
  await Promise.all(
    [...declared].map(async ([k, want]) => {
      try {
        out.set(k, await readRepo(want));
      } catch (err) {
        out.set(k, { error: `${repoKey(want.repo)} unreadable: ${errorMessage(err)}`, tags: new Map(), digests: new Map() });
      }
    }),
  );
  opts.signal?.throwIfAborted();
  return out;
}
