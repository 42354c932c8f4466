/**
 * What the sign, attest and publish phases work on: every image digest the manifests declare,
 * present before the run or written by it, with its destinations in plan order (the first is
 * the canonical one, the same in every run) and the source it comes from. Pure, from the plan
 * and the outcomes; the manifest of an index is read only when its children are needed.
 */
import type { Digest, RepoRef } from '../../image/ref.js';
import { fqin, repoKey } from '../../image/ref.js';
import type { Plan } from '../../plan/classify.js';
import { edgeKey, type Edge } from '../../plan/edge.js';
import { dstRepo, sourceKey, srcRepo, type Inventory } from '../../plan/inventory.js';
import type { EdgeOutcome } from '../../promote/outcome.js';
import type { FetchedManifest, ManifestInfo, RegistryClient } from '../../registry/types.js';
import { isIndexMediaType } from '../../registry/types.js';
import { indexEntries } from '../../registry/manifest-json.js';
import type { SignaturePlacement } from './trust.js';

/** A destination of an image. */
export interface TrustDestination {
  repo: RepoRef;
  /** `registry/image` as the manifest names it: the signature's docker-reference. */
  reference: string;
  /** The image is there now (present before the run, or written by it). */
  ready: boolean;
}

/** One image digest the manifests declare, and where. */
export interface TrustTarget {
  digest: Digest;
  source: RepoRef;
  srcRef: string;
  /** Destinations in plan order; [0] is canonical. */
  destinations: [TrustDestination, ...TrustDestination[]];
  /** The manifest as the plan read it from the source (same digest, same bytes), when it did. */
  manifest?: FetchedManifest;
  /** What a destination HEAD told about it (media type and size), when the plan asked. */
  info?: ManifestInfo;
  /** The image was at a destination before this run: what is written for it heals that destination. */
  healed: boolean;
}

/** Whether the edge's image is at its destination after the copy (outcomes may still hold its tag back). */
function landed(o: EdgeOutcome): boolean {
  return o.outcome === 'promoted' || o.outcome === 'already-present' || o.held === true;
}

/**
 * The digests of the plan that are at one destination at least, each once (sign and attest work
 * per digest, not per tag). `outcomes` are the promote phase's, one per plan edge.
 */
export function trustTargets(plan: Plan, outcomes: readonly EdgeOutcome[], inv?: Inventory): TrustTarget[] {
  const byDigest = new Map<string, TrustTarget>();
  const out: TrustTarget[] = [];
  const ok = new Map(outcomes.map((o) => [edgeKey(o.edge), landed(o)]));
  for (const { edge: e, decision } of plan.edges) {
    let t = byDigest.get(e.digest);
    if (!t) {
      const src = srcRepo(e);
      const manifest = inv?.sourceManifests.get(sourceKey(src, e.digest));
      t = {
        digest: e.digest,
        source: src,
        srcRef: fqin(e.srcRegistry, e.srcImage, e.digest),
        destinations: [destination(e)],
        healed: false,
        ...(manifest ? { manifest } : {}),
      };
      byDigest.set(e.digest, t);
      out.push(t);
    }
    const repo = dstRepo(e);
    let d = t.destinations.find((x) => repoKey(x.repo) === repoKey(repo));
    if (!d) t.destinations.push((d = destination(e)));
    if (ok.get(edgeKey(e)) === true) d.ready = true;
    if (decision.kind === 'present' || (decision.kind === 'promote' && decision.tagOnly)) t.healed = true;
    t.info ??= inv?.repos.get(repoKey(repo))?.infos?.get(e.digest);
  }
  return out.filter((t) => t.destinations.some((d) => d.ready));
}

/** `targets` without the images the policy denies `sign` at one of their destinations (keys `repo@digest`): neither signed nor attested. */
export function exceptSignDenied(targets: TrustTarget[], denied: ReadonlySet<string> | undefined): TrustTarget[] {
  return denied?.size ? targets.filter((t) => !t.destinations.some((d) => denied.has(imageAt(d.repo, t.digest)))) : targets;
}

const destination = (e: Edge): TrustDestination => ({ repo: dstRepo(e), reference: `${e.dstRegistry}/${e.dstImage}`, ready: false });

/**
 * Which (destination, digest) pairs carry signatures: the canonical destination of each digest
 * (its first destination in plan order), or every destination with `replicate`. Keyed `repo@digest`.
 */
export function signingDestinations(plan: Plan, placement: SignaturePlacement): Set<string> {
  const first = new Set<string>();
  const out = new Set<string>();
  for (const { edge } of plan.edges) {
    const canonical = !first.has(edge.digest);
    first.add(edge.digest);
    if (canonical || placement === 'replicate') out.add(imageAt(dstRepo(edge), edge.digest));
  }
  return out;
}

/** Key of an image in a repository: `host/repo@digest`. */
export const imageAt = (repo: RepoRef, d: Digest | string): string => `${repoKey(repo)}@${d}`;

/** Whether a target is an index, as far as the plan knows without reading (undefined: unknown). */
export function isIndex(t: TrustTarget): boolean | undefined {
  const mediaType = t.manifest?.mediaType ?? t.info?.mediaType;
  return mediaType === undefined ? undefined : isIndexMediaType(mediaType);
}

/** The target's subject as known without a read (for attaching referrers). */
export function knownSubject(t: TrustTarget): ManifestInfo | undefined {
  const m = t.manifest ?? t.info;
  return m && m.digest === t.digest ? { digest: m.digest, mediaType: m.mediaType, size: m.size } : undefined;
}

/**
 * The image itself, then its children when it is an index. `known` is its manifest as already
 * read (the plan's source read, same digest, same bytes): then nothing is read from `repo`.
 */
export async function withChildren(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  signal?: AbortSignal,
  known?: FetchedManifest,
): Promise<ManifestInfo[]> {
  const m = known?.digest === digest ? known : await client.getManifest(repo, digest, { signal });
  const self: ManifestInfo = { digest, mediaType: m.mediaType, size: m.size };
  if (!isIndexMediaType(m.mediaType)) return [self];
  const children = new Map(indexEntries(m.bytes).map((c) => [c.digest, { digest: c.digest, mediaType: c.mediaType, size: c.size }]));
  children.delete(digest);
  return [self, ...children.values()];
}
