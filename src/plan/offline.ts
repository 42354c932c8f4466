/**
 * The offline part of planning, shared by `--parse-only` and the full pipeline's plan phase:
 * manifests → validated → edges → counts. Touches the filesystem only, never the network.
 */
import type { Problem } from '../errors.js';
import { loadManifests } from '../manifest/load.js';
import type { ManifestSource, PromoterManifest } from '../manifest/schema.js';
import type { Edge } from './edge.js';
import { manifestsToEdges, summarize, type PlanSummary } from './edges.js';

/** Manifests and their edges, with every non-fatal warning of loading and edge computation. */
export interface OfflinePlan {
  manifests: PromoterManifest[];
  edges: Edge[];
  warnings: Problem[];
  summary: PlanSummary;
  /** Edges dropped because another manifest already promotes the same digest to the same place. */
  redundant: number;
  /** For a run scoped to a git change: the revision diffed against (null: the empty tree). */
  diffBase?: string | null;
}

/** Loads `source` and computes its edges; throws InputError with every problem found. */
export async function planOffline(source: ManifestSource): Promise<OfflinePlan> {
  const loaded = await loadManifests(source);
  return planFromManifests(loaded.manifests, loaded.warnings);
}

/** Edges and counts of already-loaded manifests (e.g. after a git-diff filter). */
export function planFromManifests(manifests: PromoterManifest[], warnings: readonly Problem[] = []): OfflinePlan {
  const { edges, warnings: edgeWarnings, redundant } = manifestsToEdges(manifests);
  return { manifests, edges, warnings: [...warnings, ...edgeWarnings], summary: summarize(manifests, edges), redundant };
}
