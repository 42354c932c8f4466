/**
 * Which images the sign and attest phases work on: each promoted digest once, with its
 * destinations in plan order (the first is the canonical one) and the source it came from.
 */
import type { Digest, RepoRef } from '../../image/ref.js';
import { fqin, repoKey } from '../../image/ref.js';
import type { Edge } from '../../plan/edge.js';
import { dstRepo, srcRepo } from '../../plan/inventory.js';
import type { EdgeOutcome } from '../../promote/outcome.js';
import type { FetchedManifest, ManifestInfo, RegistryClient } from '../../registry/types.js';
import { isIndexMediaType } from '../../registry/types.js';
import { indexEntries } from '../../registry/manifest-json.js';

/** A destination of a promoted digest. */
export interface TrustDestination {
  repo: RepoRef;
  /** `registry/image` as the manifest names it: the signature's docker-reference. */
  reference: string;
}

/** One promoted digest and where it went. */
export interface PromotedImage {
  digest: Digest;
  source: RepoRef;
  srcRef: string;
  /** Destinations in plan order; [0] is canonical. */
  destinations: TrustDestination[];
}

/** Groups promoted edges by source image digest; each destination once. */
export function promotedImages(outcomes: readonly EdgeOutcome[]): PromotedImage[] {
  const byDigest = new Map<string, PromotedImage>();
  for (const o of outcomes) {
    if (o.outcome !== 'promoted') continue;
    const e: Edge = o.edge;
    let img = byDigest.get(e.digest);
    if (!img) {
      img = { digest: e.digest, source: srcRepo(e), srcRef: fqin(e.srcRegistry, e.srcImage, e.digest), destinations: [] };
      byDigest.set(e.digest, img);
    }
    const repo = dstRepo(e);
    if (!img.destinations.some((d) => repoKey(d.repo) === repoKey(repo))) {
      img.destinations.push({ repo, reference: `${e.dstRegistry}/${e.dstImage}` });
    }
  }
  return [...byDigest.values()];
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
