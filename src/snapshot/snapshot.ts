/**
 * Snapshot mode of `kpromo cip`: `--snapshot REG` (read a registry) or
 * `--manifest-based-snapshot-of REG` (compute from manifests), filtered by `--snapshot-tag`,
 * trimmed by `--minimal-snapshot`, rendered as `--output yaml|csv`. Returns the text; the CLI prints.
 */
import { InputError } from '../errors.js';
import { repoOf, tag as asTag, type Digest } from '../image/ref.js';
import type { Logger } from '../log.js';
import { nullLogger } from '../log.js';
import type { PromoterManifest } from '../manifest/schema.js';
import { sourceRegistry } from '../manifest/schema.js';
import type { ProgressSink } from '../progress.js';
import { isIndexMediaType, type RegistryClient } from '../registry/types.js';
import { formatSnapshot, parseSnapshotFormat } from './format.js';
import { manifestSnapshot, pathUnder } from './from-manifests.js';
import { filterByTag, removeTaglessChildren, type ImageInventory } from './inventory.js';
import { indexChildren, readRegistrySnapshot } from './read.js';

/** The snapshot flags of `kpromo cip`. */
export interface SnapshotRequest {
  /** `--snapshot REG[/path]` */
  snapshot?: string;
  /** `--manifest-based-snapshot-of REG` */
  manifestBasedSnapshotOf?: string;
  /** `--snapshot-tag T`: keep only digests with this tag. */
  snapshotTag?: string;
  /** `--minimal-snapshot`: drop tagless children of indexes. */
  minimalSnapshot?: boolean;
  /** `--output yaml|csv` */
  output?: string;
}

/** What a snapshot needs: a registry client, and the manifests for a manifest-based one. */
export interface SnapshotDeps {
  client: RegistryClient;
  /** Loads manifests (only called for --manifest-based-snapshot-of). */
  loadManifests?: () => Promise<readonly PromoterManifest[]>;
  logger?: Logger;
  progress?: ProgressSink;
  signal?: AbortSignal;
}

/** Whether the flags select snapshot mode (either snapshot flag set), as upstream. */
export function isSnapshotMode(req: SnapshotRequest): boolean {
  return Boolean(req.snapshot || req.manifestBasedSnapshotOf);
}

/** Runs a snapshot and returns its rendering. */
export async function takeSnapshot(req: SnapshotRequest, deps: SnapshotDeps): Promise<string> {
  const format = parseSnapshotFormat(req.output ?? 'yaml');
  const log = deps.logger ?? nullLogger;
  let inv: ImageInventory;
  if (req.snapshot) {
    if (req.manifestBasedSnapshotOf) log.warn('--manifest-based-snapshot-of is ignored because --snapshot is set');
    const read = await readRegistrySnapshot({ client: deps.client, registry: req.snapshot, logger: log, progress: deps.progress, signal: deps.signal });
    inv = read.inventory;
    if (req.minimalSnapshot) inv = removeTaglessChildren(inv, read.children);
  } else if (req.manifestBasedSnapshotOf) {
    if (!deps.loadManifests) throw new InputError([{ message: '--manifest-based-snapshot-of needs --manifest or --thin-manifest-dir' }]);
    const manifests = await deps.loadManifests();
    inv = manifestSnapshot(manifests, req.manifestBasedSnapshotOf);
    if (req.minimalSnapshot) {
      inv = removeTaglessChildren(inv, await sourceChildren(manifests, req.manifestBasedSnapshotOf, deps));
    }
  } else {
    throw new InputError([{ message: 'snapshot mode needs --snapshot or --manifest-based-snapshot-of' }]);
  }
  if (req.snapshotTag) inv = filterByTag(inv, asTag(req.snapshotTag));
  return formatSnapshot(inv, format);
}

/**
 * For a manifest-based minimal snapshot: the children of every tagged digest that is an index,
 * read from the manifests' source registries (the expected destination may not exist yet).
 */
async function sourceChildren(manifests: readonly PromoterManifest[], registry: string, deps: SnapshotDeps): Promise<Map<string, Set<Digest>>> {
  const out = new Map<string, Set<Digest>>();
  for (const m of manifests) {
    const src = sourceRegistry(m);
    if (!src) continue;
    const prefixes = m.registries.filter((r) => !r.src).map((r) => pathUnder(registry, r.name)).filter((p): p is string => p !== undefined);
    if (prefixes.length === 0) continue;
    for (const img of m.images) {
      const repo = repoOf(src.name, img.name);
      const tagged: Digest[] = [];
      for (const [d, tags] of img.dmap) {
        if (tags.length === 0) continue;
        const info = await deps.client.headManifest(repo, d, { signal: deps.signal });
        if (info && isIndexMediaType(info.mediaType)) tagged.push(d);
      }
      if (tagged.length === 0) continue;
      const kids = await indexChildren(deps.client, repo, tagged, deps.signal);
      for (const p of new Set(prefixes)) {
        const name = p ? `${p}/${img.name}` : String(img.name);
        const set = out.get(name) ?? new Set<Digest>();
        for (const k of kids) set.add(k);
        out.set(name, set);
      }
    }
  }
  return out;
}
