/**
 * Manifests → promotion edges (upstream promotion.ToEdges plus its overlap check). Pure.
 * One edge per manifest × image × digest × tag-or-tagless × destination registry.
 */
import { InputError, type Problem } from '../errors.js';
import { repoKey, repoOf, type Tag } from '../image/ref.js';
import { problemAt, sourceRegistry, type PromoterManifest, type RegistryEntry, type SourcePos } from '../manifest/schema.js';
import type { Edge } from './edge.js';

/** The edges of a set of manifests, with warnings that do not stop a run. */
export interface EdgesResult {
  /** Deduplicated edges in manifest order. */
  edges: Edge[];
  /** E.g. a destination registry listed twice in one manifest. */
  warnings: Problem[];
  /** Edges dropped because an earlier manifest already promotes the same digest to the same place. */
  redundant: number;
}

/** Counts shown by `--parse-only` and written to the report. */
export interface PlanSummary {
  manifests: number;
  /** Image entries, summed over manifests. */
  images: number;
  /** dmap entries (image × digest), summed over manifests. */
  digests: number;
  /** Tags, summed over dmap entries. */
  tags: number;
  edges: number;
}

interface Placed {
  edge: Edge;
  pos: SourcePos;
}

/**
 * Computes the edges of `manifests`. Throws InputError naming every overlap: one destination
 * `registry/image:tag` asked to point at two different digests ("overlapping edges detected").
 * The same digest promoted to the same place by several manifests is kept once (first wins).
 */
export function manifestsToEdges(manifests: readonly PromoterManifest[]): EdgesResult {
  const byDestination = new Map<string, Placed>();
  const conflicts = new Map<string, { first: Placed; second: Placed; destinations: string[] }>();
  const warnings: Problem[] = [];
  let redundant = 0;
  for (const m of manifests) {
    const src = sourceRegistry(m);
    if (!src) continue; // validation reports it; keep this function total
    const dsts = destinations(m, src, warnings);
    for (const img of m.images) {
      for (const [digest, tags] of img.dmap) {
        const pos = img.digestPos.get(digest) ?? img.pos;
        const tagList: (Tag | null)[] = tags.length ? tags : [null];
        for (const dst of dsts) {
          for (const tag of tagList) {
            const edge: Edge = { srcRegistry: src.name, srcImage: img.name, dstRegistry: dst.name, dstImage: img.name, digest, tag };
            const key = destinationKey(edge);
            const prior = byDestination.get(key);
            if (!prior) {
              byDestination.set(key, { edge, pos });
            } else if (prior.edge.digest === digest) {
              redundant++;
            } else {
              const sig = `${img.name}:${tag} ${prior.edge.digest} ${digest} ${where(prior.pos)} ${where(pos)}`;
              const c = conflicts.get(sig) ?? { first: prior, second: { edge, pos }, destinations: [] };
              c.destinations.push(`${dst.name}/${img.name}:${tag}`);
              conflicts.set(sig, c);
            }
          }
        }
      }
    }
  }
  if (conflicts.size) throw new InputError([...conflicts.values()].map(overlapProblem));
  return { edges: [...byDestination.values()].map((p) => p.edge), warnings, redundant };
}

/** Counts of manifests, images, digests, tags and edges. */
export function summarize(manifests: readonly PromoterManifest[], edges: readonly Edge[]): PlanSummary {
  const s: PlanSummary = { manifests: manifests.length, images: 0, digests: 0, tags: 0, edges: edges.length };
  for (const m of manifests) {
    for (const img of m.images) {
      s.images++;
      s.digests += img.dmap.size;
      for (const tags of img.dmap.values()) s.tags += tags.length;
    }
  }
  return s;
}

/**
 * Where an edge lands: the repository (so `reg/a` + `b/c` and `reg/a/b` + `c` are the same place)
 * plus the tag, or the digest for a tagless edge.
 */
function destinationKey(e: Edge): string {
  const repo = repoKey(repoOf(e.dstRegistry, e.dstImage));
  return e.tag === null ? `${repo}@${e.digest}` : `${repo}:${e.tag}`;
}

/** Destination registries of a manifest, each once; duplicates and the source itself are warned about. */
function destinations(m: PromoterManifest, src: RegistryEntry, warnings: Problem[]): RegistryEntry[] {
  const seen = new Map<string, RegistryEntry>();
  for (const r of m.registries) {
    if (r.src) continue;
    const first = seen.get(r.name);
    if (first) {
      warnings.push(problemAt(r.pos, `destination registry "${r.name}" is listed more than once (first at line ${first.pos.line ?? '?'}); it is used once`));
    } else if (r.name === src.name) {
      warnings.push(problemAt(r.pos, `destination registry "${r.name}" is the source registry; it is skipped`));
    } else {
      seen.set(r.name, r);
    }
  }
  return [...seen.values()];
}

function overlapProblem(c: { first: Placed; second: Placed; destinations: string[] }): Problem {
  const { first, second } = c;
  const shown = c.destinations.slice(0, 3).join(', ');
  const more = c.destinations.length > 3 ? ` and ${c.destinations.length - 3} more` : '';
  return problemAt(
    second.pos,
    `overlapping edges detected: tag "${second.edge.tag}" of image "${second.edge.dstImage}" would point at ` +
      `${first.edge.digest} (${where(first.pos)}) and at ${second.edge.digest} (${where(second.pos)}) ` +
      `in ${shown}${more}; a tag names exactly one digest: keep the tag on one of them`,
  );
}

function where(p: SourcePos): string {
  return [p.file, p.line, p.column].filter((x) => x !== undefined).join(':');
}
