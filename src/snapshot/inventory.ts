/**
 * A registry's content in upstream's `RegInvImage` shape: image name → digest → tags.
 * Snapshots (read from a registry or computed from manifests) are built as one of these and
 * then rendered by snapshot/format.ts.
 */
import type { Digest, Tag } from '../image/ref.js';

/** Image name (relative to the snapshotted registry) → digest → tags (empty = tagless). */
export type ImageInventory = Map<string, Map<Digest, Set<Tag>>>;

/** Records `name@digest`, with `tag` when given (null records the digest as tagless). */
export function addToInventory(inv: ImageInventory, name: string, digest: Digest, tag: Tag | null): void {
  let digests = inv.get(name);
  if (!digests) inv.set(name, (digests = new Map()));
  let tags = digests.get(digest);
  if (!tags) digests.set(digest, (tags = new Set()));
  if (tag !== null) tags.add(tag);
}

/** Keeps only digests carrying `tag`, each listed with that tag alone (upstream `FilterByTag`). */
export function filterByTag(inv: ImageInventory, tag: Tag): ImageInventory {
  const out: ImageInventory = new Map();
  for (const [name, digests] of inv) {
    for (const [digest, tags] of digests) if (tags.has(tag)) addToInventory(out, name, digest, tag);
  }
  return out;
}

/**
 * Drops tagless digests that are children of an index (`--minimal-snapshot`); a child that also
 * carries a tag stays. `children` maps image name → child digests of that image's indexes.
 */
export function removeTaglessChildren(inv: ImageInventory, children: ReadonlyMap<string, ReadonlySet<Digest>>): ImageInventory {
  const out: ImageInventory = new Map();
  for (const [name, digests] of inv) {
    const kids = children.get(name);
    for (const [digest, tags] of digests) {
      if (tags.size === 0 && kids?.has(digest)) continue;
      for (const t of tags.size ? tags : [null]) addToInventory(out, name, digest, t);
    }
  }
  return out;
}

/** One image of a sorted inventory. */
export interface SortedImage {
  name: string;
  digests: { digest: Digest; tags: Tag[] }[];
}

/** Sorted by name, then digest, then tag (byte order, like Go's sort.Strings). */
export function sortInventory(inv: ImageInventory): SortedImage[] {
  return [...inv.keys()].sort(byteOrder).map((name) => {
    const digests = inv.get(name)!;
    return {
      name,
      digests: [...digests.keys()].sort(byteOrder).map((digest) => ({
        digest,
        tags: [...digests.get(digest)!].sort(byteOrder),
      })),
    };
  });
}

/** Compares strings by code unit, as Go compares bytes for ASCII names. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
