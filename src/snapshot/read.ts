/**
 * `--snapshot REG[/path]`: read a registry recursively into an inventory. Repositories come from
 * the host's catalog filtered by the path prefix; each repository's tags are resolved to digests;
 * an index's children are listed as tagless digests (the standard API cannot list untagged
 * manifests otherwise, so unreferenced untagged digests do not appear).
 */
import pLimit from 'p-limit';
import { splitRegistry, type Digest, type RepoRef, tag as asTag } from '../image/ref.js';
import type { Logger } from '../log.js';
import { nullLogger } from '../log.js';
import { nullProgress, type ProgressSink } from '../progress.js';
import { isIndexMediaType, type RegistryClient } from '../registry/types.js';
import { addToInventory, type ImageInventory } from './inventory.js';
import { indexEntries } from '../registry/manifest-json.js';

/** Parallel repository reads: enough to hide latency, far below any registry's rate limit. */
const DEFAULT_CONCURRENCY = 8;
/** Nested indexes are legal but rare; stop descending after this many levels. */
const MAX_INDEX_DEPTH = 4;

/** What a registry read produced: the inventory and, per image, the children of its indexes. */
export interface RegistrySnapshot {
  inventory: ImageInventory;
  children: Map<string, Set<Digest>>;
}

/** How to read. */
export interface ReadRegistryOptions {
  client: RegistryClient;
  /** `host[:port][/path]` */
  registry: string;
  concurrency?: number;
  logger?: Logger;
  progress?: ProgressSink;
  signal?: AbortSignal;
}

/** The repositories of `registry` with their image names (relative to the registry path). */
export async function listImages(client: RegistryClient, registry: string, signal?: AbortSignal): Promise<{ name: string; repo: RepoRef }[]> {
  const { host, path } = splitRegistry(registry);
  const repos = await client.catalog(host, { signal });
  return repos
    .filter((r) => !path || r.startsWith(`${path}/`))
    .map((r) => ({ name: path ? r.slice(path.length + 1) : r, repo: { host, repository: r } }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Reads every image under `registry` (see the file comment). */
export async function readRegistrySnapshot(opts: ReadRegistryOptions): Promise<RegistrySnapshot> {
  const { client, signal } = opts;
  const log = opts.logger ?? nullLogger;
  const progress = opts.progress ?? nullProgress;
  const images = await listImages(client, opts.registry, signal);
  progress.phase('snapshot', { images: images.length });
  log.debug('snapshot: repositories to read', { registry: opts.registry, count: images.length });
  const inventory: ImageInventory = new Map();
  const children = new Map<string, Set<Digest>>();
  const limit = pLimit(opts.concurrency ?? DEFAULT_CONCURRENCY);
  const tagless: string[] = [];
  await Promise.all(
    images.map(({ name, repo }) =>
      limit(async () => {
        const kids = await readRepository(client, repo, name, inventory, signal);
        if (kids.size) children.set(name, kids);
        if (!inventory.has(name)) tagless.push(name);
        progress.advance({ images: 1 });
      }),
    ),
  );
  if (tagless.length) {
    // upstream's GCR listing shows untagged digests; the standard API cannot enumerate them
    log.warn(
      `snapshot: ${tagless.length} repositor${tagless.length === 1 ? 'y holds no tags and is' : 'ies hold no tags and are'} left out ` +
        `(untagged images cannot be listed through the registry API): ${tagless.sort().join(', ')}`,
    );
  }
  return { inventory, children };
}

/** Reads one repository's tags into `inv`; returns the child digests of its indexes. */
async function readRepository(client: RegistryClient, repo: RepoRef, name: string, inv: ImageInventory, signal?: AbortSignal): Promise<Set<Digest>> {
  const tags = await client.listTags(repo, { signal });
  const indexes = new Set<Digest>();
  for (const t of tags) {
    const info = await client.headManifest(repo, t, { signal });
    if (!info) continue; // deleted between listing and reading
    addToInventory(inv, name, info.digest, asTag(t));
    if (isIndexMediaType(info.mediaType)) indexes.add(info.digest);
  }
  const kids = await indexChildren(client, repo, indexes, signal);
  for (const d of kids) addToInventory(inv, name, d, null);
  return kids;
}

/** The manifests the given indexes list (recursively, bounded), read from `repo`. */
export async function indexChildren(client: RegistryClient, repo: RepoRef, indexes: Iterable<Digest>, signal?: AbortSignal): Promise<Set<Digest>> {
  const kids = new Set<Digest>();
  let level = [...indexes];
  const seen = new Set<Digest>(level);
  for (let depth = 0; depth < MAX_INDEX_DEPTH && level.length; depth++) {
    const next: Digest[] = [];
    for (const d of level) {
      const m = await client.getManifest(repo, d, { signal });
      for (const c of indexEntries(m.bytes)) {
        kids.add(c.digest);
        if (c.mediaType && isIndexMediaType(c.mediaType) && !seen.has(c.digest)) {
          seen.add(c.digest);
          next.push(c.digest);
        }
      }
    }
    level = next;
  }
  return kids;
}
