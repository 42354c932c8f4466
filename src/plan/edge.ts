/**
 * Promotion edges: one per manifest × image × digest × tag-or-tagless × destination registry
 * (upstream promoter/image/promotion/edge.go). Building them from manifests is pure.
 */
import type { Digest, ImageName, RegistryName, Tag } from '../image/ref.js';

/** One promotion: copy `srcRegistry/srcImage@digest` to `dstRegistry/dstImage` (tagged or not). */
export interface Edge {
  srcRegistry: RegistryName;
  srcImage: ImageName;
  dstRegistry: RegistryName;
  /** Always equal to srcImage: upstream has no renames. */
  dstImage: ImageName;
  digest: Digest;
  /** null for a tagless edge (copied by digest only). */
  tag: Tag | null;
}

/** A stable key for an edge, for dedup and Map-based sets. */
export function edgeKey(e: Edge): string {
  return `${e.srcRegistry}/${e.srcImage}@${e.digest}>${e.dstRegistry}/${e.dstImage}:${e.tag ?? ''}`;
}
