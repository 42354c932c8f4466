/**
 * Sharding a run across machines (`--shard INDEX/COUNT`): the edges of the offline plan are split
 * by a stable hash of their top-level source digest, so every edge of one image (all its tags and
 * destinations, and an index with its children) lands in one shard, and COUNT processes with
 * indexes 0…COUNT-1 cover every edge exactly once. Pure.
 */
import { createHash } from 'node:crypto';
import type { PromoterManifest } from '../manifest/schema.js';
import type { Edge } from './edge.js';
import { summarize, type PlanSummary } from './edges.js';

/** One shard of a run: `index` in [0, count). */
export interface Shard {
  index: number;
  count: number;
}

/** Most shards a run may be split into (a Kubernetes Indexed Job allows 100,000 completions). */
export const MAX_SHARDS = 100_000;

/** The shard that promotes `digest` (sha256 of the digest string, first 32 bits, modulo count). */
export function shardOf(digest: string, count: number): number {
  if (count <= 1) return 0;
  return createHash('sha256').update(digest).digest().readUInt32BE(0) % count;
}

/** The edges of `shard`, in plan order. */
export function shardEdges(edges: readonly Edge[], shard: Shard): Edge[] {
  return edges.filter((e) => shardOf(e.digest, shard.count) === shard.index);
}

/** `manifests` keeping only the digests of `shard` (an image left without digests is dropped), for the summary. */
export function shardManifests(manifests: readonly PromoterManifest[], shard: Shard): PromoterManifest[] {
  return manifests.map((m) => ({
    ...m,
    images: m.images.flatMap((img) => {
      const dmap = new Map([...img.dmap].filter(([d]) => shardOf(d, shard.count) === shard.index));
      return dmap.size ? [{ ...img, dmap }] : [];
    }),
  }));
}

/** A planned run cut to one shard: its manifests, edges and summary; `total` is the whole plan's summary. */
export function shardPlan<P extends { manifests: PromoterManifest[]; edges: Edge[]; summary: PlanSummary }>(
  plan: P,
  shard: Shard,
): P & { total: PlanSummary } {
  const manifests = shardManifests(plan.manifests, shard);
  const edges = shardEdges(plan.edges, shard);
  return { ...plan, manifests, edges, summary: summarize(manifests, edges), total: plan.summary };
}

/**
 * Parses `INDEX/COUNT` (or a bare INDEX, with `count` from elsewhere); returns the shard or a
 * message saying what is wrong.
 */
export function parseShard(text: string, count?: number): Shard | string {
  const m = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*)?$/.exec(text);
  if (!m) return `invalid shard "${text}": use INDEX/COUNT, e.g. 0/3 (INDEX from 0 to COUNT-1)`;
  const index = Number(m[1]);
  const n = m[2] !== undefined ? Number(m[2]) : count;
  if (n === undefined) return `shard "${text}" has no count: use INDEX/COUNT or give --shard-count`;
  if (count !== undefined && m[2] !== undefined && n !== count) return `shard "${text}" disagrees with --shard-count ${count}`;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_SHARDS) return `invalid shard count ${n}: use 1 to ${MAX_SHARDS}`;
  if (index >= n) return `invalid shard "${text}": INDEX must be below COUNT (0 to ${n - 1})`;
  return { index, count: n };
}
