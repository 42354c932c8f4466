/**
 * Reads what a staging registry holds, for `manifest grow` and `pr`: the repositories under the
 * staging registry's path (or only the named ones), each tag's digest (from the tag list when it
 * carries digests, else one HEAD per tag) and, for indexes, the children they list (one GET per
 * index). Tags the filters exclude are not resolved.
 */
import pLimit from 'p-limit';
import { repoOf, splitRegistry } from '../image/ref.js';
import { indexEntries } from '../registry/manifest-json.js';
import { isIndexMediaType, type RegistryClient } from '../registry/types.js';
import { matchesAny } from './glob.js';
import type { GrowFilters, StagingDigest, StagingImage } from './grow.js';
import { LATEST } from './grow.js';
import { readTagList } from '../registry/tag-list.js';

/** Requests in flight at once while reading staging. */
const CONCURRENCY = 8;

/** The images under `registry` that pass the image filter, with their filtered tags resolved. */
export async function readStaging(
  client: RegistryClient,
  registry: string,
  filters: GrowFilters,
  opts: { signal?: AbortSignal } = {},
): Promise<StagingImage[]> {
  const names = await imageNames(client, registry, filters.images ?? [], opts.signal);
  const limit = pLimit(CONCURRENCY);
  const call = { signal: opts.signal, side: 'source' as const };
  return Promise.all(
    names.map(async (name) => {
      const repo = repoOf(registry, name);
      const list = await readTagList(client, repo, call);
      const tags = list.tags.filter((t) => t !== LATEST && matchesAny(t, filters.tags ?? []));
      const digests = new Map<string, StagingDigest>();
      const media = new Map<string, string>();
      await Promise.all(
        tags.map((t) =>
          limit(async () => {
            let d = list.tagDigests?.get(t) as string | undefined;
            if (!d) {
              const head = await client.headManifest(repo, t, call);
              if (!head) return; // deleted between the list and the HEAD
              d = head.digest;
              media.set(d, head.mediaType);
            }
            const entry = digests.get(d) ?? { tags: [] };
            entry.tags.push(t);
            digests.set(d, entry);
          }),
        ),
      );
      for (const d of filters.digests ?? []) {
        if (digests.has(d)) continue;
        const head = await limit(() => client.headManifest(repo, d, call));
        if (head) {
          digests.set(d, { tags: [] });
          media.set(d, head.mediaType);
        }
      }
      await Promise.all(
        [...digests].map(([d, entry]) =>
          limit(async () => {
            if (!media.has(d)) media.set(d, (await client.headManifest(repo, d, call))?.mediaType ?? '');
            if (!isIndexMediaType(media.get(d) ?? '')) return;
            const m = await client.getManifest(repo, d, call);
            entry.children = indexEntries(m.bytes).map((c) => c.digest);
          }),
        ),
      );
      return { name, digests };
    }),
  );
}

/** Image names under the registry: the exact names given, else the catalog filtered to the registry's path and the globs. */
async function imageNames(client: RegistryClient, registry: string, globs: readonly string[], signal?: AbortSignal): Promise<string[]> {
  if (globs.length && globs.every((g) => !/[*?]/.test(g))) return [...new Set(globs)];
  const { host, path } = splitRegistry(registry);
  const prefix = path ? `${path}/` : '';
  const all = await client.catalog(host, { signal, side: 'source' });
  return all
    .filter((r) => r.startsWith(prefix))
    .map((r) => r.slice(prefix.length))
    .filter((n) => n !== '' && matchesAny(n, globs));
}
