/**
 * `--use-prow-manifest-diff` / `--manifest-diff-since`: which images a git change adds, so only
 * those are planned. Pure: old manifests (at the diff base) and new ones in, added digests out.
 *
 * A digest counts as added when the change creates promotion work for it: it is new, it gained
 * a tag, or its manifest gained a destination registry. Its other tags come along (they are
 * already promoted, so they cost a HEAD each). An empty diff adds nothing — unlike upstream,
 * which fell back to every image (test-infra#37383).
 */
import type { Digest, ImageName, RegistryName } from '../image/ref.js';
import { sourceRegistry, type PromoterManifest } from '../manifest/schema.js';

/** The (source registry, image, digest) triples a change adds, keyed by `addedKey`. */
export type AddedImages = ReadonlySet<string>;

/** The key of one image digest from one source registry. */
export function addedKey(src: RegistryName | string, image: ImageName | string, digest: Digest | string): string {
  return `${src}\u0000${image}\u0000${digest}`;
}

/** Every promotion a manifest asks for, as `key` → "dst\0tag" strings. */
function wanted(manifests: readonly PromoterManifest[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of manifests) {
    const src = sourceRegistry(m)?.name ?? '';
    const dsts = m.registries.filter((r) => !r.src).map((r) => r.name);
    for (const img of m.images) {
      for (const [digest, tags] of img.dmap) {
        const key = addedKey(src, img.name, digest);
        let set = out.get(key);
        if (!set) out.set(key, (set = new Set()));
        for (const dst of dsts) for (const t of tags.length ? tags : ['']) set.add(`${dst}\u0000${t}`);
      }
    }
  }
  return out;
}

/** The digests `next` asks to promote that `prev` did not (see the file comment). */
export function diffManifests(prev: readonly PromoterManifest[], next: readonly PromoterManifest[]): Set<string> {
  const before = wanted(prev);
  const added = new Set<string>();
  for (const [key, targets] of wanted(next)) {
    const old = before.get(key);
    if (!old) {
      added.add(key);
      continue;
    }
    for (const t of targets) {
      if (!old.has(t)) {
        added.add(key);
        break;
      }
    }
  }
  return added;
}

/**
 * The manifests restricted to the added digests: other digests are dropped, then images left
 * without digests. Manifests themselves stay (with fewer or no images), so their registries are
 * still validated and reported.
 */
export function filterManifests(manifests: readonly PromoterManifest[], added: AddedImages): PromoterManifest[] {
  return manifests.map((m) => {
    const src = sourceRegistry(m)?.name ?? '';
    const images = m.images.flatMap((img) => {
      const dmap = new Map([...img.dmap].filter(([d]) => added.has(addedKey(src, img.name, d))));
      return dmap.size ? [{ ...img, dmap }] : [];
    });
    return { ...m, images };
  });
}

/** How many digests a set of manifests lists (for "planning N of M digests" messages). */
export function countDigests(manifests: readonly PromoterManifest[]): number {
  return manifests.reduce((n, m) => n + m.images.reduce((k, i) => k + i.dmap.size, 0), 0);
}
