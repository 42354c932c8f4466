/**
 * Growing an images list from what a staging repository holds (upstream `manifest.Grow`, used by
 * `kpromo pr`): which digests and tags to add, given the staging inventory, the filters and the
 * images already listed. Pure: the staging inventory is read elsewhere (staging.ts) and the file
 * is written elsewhere (edit.ts).
 *
 * Rules: `latest` is never added (filtering for it is an error); images under `mock/` are
 * skipped; children of an index travel with their index and are not added on their own; a tag
 * the images list already gives to another digest of the same image is refused (a tag move).
 */
import { InputError, type Problem } from '../errors.js';
import type { Addition } from './edit.js';
import { matchesAny } from './glob.js';
import { compareDigestEntries, compareStrings } from './order.js';
import type { ImageEntry } from './schema.js';

/** The one tag never promoted. */
export const LATEST = 'latest';

/** One digest found in staging. */
export interface StagingDigest {
  tags: string[];
  /** For an index: the digests it lists. */
  children?: string[];
}

/** One image (repository under the staging registry) and its digests. */
export interface StagingImage {
  name: string;
  digests: Map<string, StagingDigest>;
}

/** The filters of `manifest grow` / `pr`: globs for images and tags, exact digests; empty = all. */
export interface GrowFilters {
  images?: string[];
  tags?: string[];
  digests?: string[];
}

/** What to add, and what was left out and why (for the log). */
export interface GrowPlan {
  additions: Addition[];
  /** Digests and tags that survived the filters (before subtracting what is listed already). */
  selected: number;
  skipped: string[];
}

/** Problems in the filters themselves (asking for `latest`). */
export function filterProblems(f: GrowFilters): Problem[] {
  return (f.tags ?? [])
    .filter((t) => t === LATEST)
    .map(() => ({ message: `--tag ${LATEST}: the "${LATEST}" tag is never promoted; give a version tag` }));
}

/**
 * The additions that make `listed` hold every filtered digest and tag of `staging`. Throws
 * InputError "no images survived filtering" when the filters match nothing, and InputError with
 * one located problem per tag move.
 */
export function planGrowth(listed: readonly ImageEntry[], staging: readonly StagingImage[], f: GrowFilters): GrowPlan {
  const bad = filterProblems(f);
  if (bad.length) throw new InputError(bad);
  const digestFilter = new Set(f.digests ?? []);
  const skipped: string[] = [];
  const survivors: Addition[] = [];
  for (const img of [...staging].sort((a, b) => compareStrings(a.name, b.name))) {
    if (img.name.startsWith('mock/')) {
      skipped.push(`${img.name}: mock/ images are never promoted`);
      continue;
    }
    if (!matchesAny(img.name, f.images ?? [])) continue;
    const children = new Set([...img.digests.values()].flatMap((d) => d.children ?? []));
    for (const [digest, d] of img.digests) {
      if (digestFilter.size && !digestFilter.has(digest)) continue;
      if (children.has(digest)) {
        skipped.push(`${img.name}@${digest}: a child of an index, promoted with its index`);
        continue;
      }
      const tags = d.tags.filter((t) => t !== LATEST && matchesAny(t, f.tags ?? []));
      if (tags.length === 0 && (f.tags?.length || !digestFilter.has(digest))) continue;
      survivors.push({ name: img.name, digest, tags: tags.sort(compareStrings) });
    }
  }
  if (survivors.length === 0) {
    throw new InputError([{ message: `no images survived filtering${describeFilters(f)}` }]);
  }
  const moves: Problem[] = [];
  const additions: Addition[] = [];
  for (const s of survivors) {
    const entry = listed.find((e) => e.name === s.name);
    const have = entry?.dmap.get(s.digest as never) ?? [];
    const newTags = s.tags.filter((t) => !have.includes(t as never));
    for (const t of newTags) {
      const other = entry && [...entry.dmap].find(([d, tags]) => d !== s.digest && tags.includes(t as never));
      if (other) {
        const pos = entry.digestPos.get(other[0]) ?? entry.pos;
        moves.push({
          file: pos.file,
          line: pos.line,
          column: pos.column,
          message: `tag move refused: ${s.name}:${t} is listed for ${other[0]}; staging now has it on ${s.digest} (promotion never moves a tag: push a new tag instead)`,
        });
      }
    }
    const inList = entry?.dmap.has(s.digest as never) ?? false;
    if (newTags.length || !inList) additions.push({ ...s, tags: newTags });
  }
  if (moves.length) throw new InputError(moves);
  additions.sort((a, b) => compareStrings(a.name, b.name) || compareDigestEntries(a, b));
  return { additions, selected: survivors.length, skipped };
}

function describeFilters(f: GrowFilters): string {
  const parts = [
    ...(f.images ?? []).map((i) => `--image ${i}`),
    ...(f.tags ?? []).map((t) => `--tag ${t}`),
    ...(f.digests ?? []).map((d) => `--digest ${d}`),
  ];
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** Whether a glob given for images names exactly one image (no wildcard). */
export function exactImageNames(images: readonly string[]): string[] | undefined {
  if (images.length === 0 || images.some((i) => /[*?]/.test(i))) return undefined;
  return [...new Set(images)];
}
