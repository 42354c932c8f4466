/**
 * Reading one page of a tags/list answer into a TagList: the `tags` array, and Google's
 * `manifest` map (`{"manifest": {"sha256:…": {"tag": ["v1"], "mediaType": …}}}`) whenever a
 * registry sends it, whichever registry that is. Malformed entries are skipped, never trusted.
 * And reading a repository's list through any client, with its digests where the client can.
 */
import { isDigest, type Digest, type RepoRef } from '../image/ref.js';
import type { CallOptions, RegistryClient, TagList } from './types.js';

/** An empty list to add pages to. */
export function emptyTagList(): TagList {
  return { tags: [] };
}

/** Adds one page (parsed JSON) to `out`. */
export function addTagListPage(out: TagList, body: unknown): void {
  const page = (body ?? {}) as { tags?: unknown; manifest?: unknown };
  if (Array.isArray(page.tags)) for (const t of page.tags) if (typeof t === 'string') out.tags.push(t);
  const map = page.manifest;
  if (!map || typeof map !== 'object' || Array.isArray(map)) return;
  out.tagDigests ??= new Map();
  out.manifests ??= new Set();
  for (const [digest, entry] of Object.entries(map as Record<string, unknown>)) {
    if (!isDigest(digest)) continue;
    out.manifests.add(digest as Digest);
    const tags = (entry as { tag?: unknown } | null)?.tag;
    if (!Array.isArray(tags)) continue;
    for (const t of tags) if (typeof t === 'string') out.tagDigests.set(t, digest as Digest);
  }
}

/** The tag list with digests when the client can read them (`tagList`), else the plain one. */
export function readTagList(client: RegistryClient, ref: RepoRef, call: CallOptions = {}): Promise<TagList> {
  return client.tagList ? client.tagList(ref, call) : client.listTags(ref, call).then((tags) => ({ tags }));
}
