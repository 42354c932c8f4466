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

/** Where an edge goes, as a person reads it: `reg/name:tag`, or `reg/name@digest` when tagless. */
export function edgeTarget(e: Edge): string {
  return `${e.dstRegistry}/${e.dstImage}${e.tag === null ? `@${e.digest}` : `:${e.tag}`}`;
}

/** An edge as a person reads it: `src/name@digest → dst/name:tag` (the one arrow of every message). */
export function edgeLabel(e: Edge): string {
  return `${e.srcRegistry}/${e.srcImage}@${e.digest} → ${edgeTarget(e)}`;
}

/** A stable key for an edge, for dedup and Map-based sets (not for messages: see edgeLabel). */
export function edgeKey(e: Edge): string {
  return `${e.srcRegistry}/${e.srcImage}@${e.digest}>${e.dstRegistry}/${e.dstImage}:${e.tag ?? ''}`;
}
