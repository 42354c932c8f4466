/**
 * The order promoter manifests keep (upstream `kpromo pr`'s re-sort): images by name, and the
 * digests of an image by their lowest tag, tagless digests (lowest tag "") first, ties by digest.
 * Strings compare by UTF-16 code units, as Go's sort.Strings compares bytes for ASCII names.
 */

/** The lowest of `tags` ("" when there are none). */
export function lowestTag(tags: readonly string[]): string {
  let low: string | undefined;
  for (const t of tags) if (low === undefined || t < low) low = t;
  return low ?? '';
}

/** Negative when digest `a` (with its tags) sorts before `b`. */
export function compareDigestEntries(a: { digest: string; tags: readonly string[] }, b: { digest: string; tags: readonly string[] }): number {
  return compareStrings(lowestTag(a.tags), lowestTag(b.tags)) || compareStrings(a.digest, b.digest);
}

/** Plain code-unit comparison. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
