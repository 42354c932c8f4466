/**
 * The presubmit lint of a manifest change (`kpromo manifest lint`): compares an images list before
 * and after a change and reports, each at file:line, what review should never let through:
 * - a tag move (a tag now on another digest of the same image: promotion refuses it later, and
 *   then blocks every other promotion of the run);
 * - removed images, digests or tags (promotion never deletes; removing lines only hides history);
 * - a tag written twice for one digest, or on two digests of one image;
 * - an added image or digest out of order (images by name, digests by their lowest tag).
 * Pure: two texts in, findings out. Parser and schema problems are added by the caller.
 */
import type { Problem } from '../errors.js';
import type { ImagesLayout } from './edit.js';
import { outlineImages, type Located, type OutlineImage } from './images-outline.js';
import { compareDigestEntries, compareStrings } from './order.js';

/** What kind of finding (for counts and for tests). */
export type FindingKind = 'tag-move' | 'removed' | 'duplicate' | 'unsorted' | 'invalid';

/** One finding, located in the new version of the file. */
export interface Finding extends Problem {
  kind: FindingKind;
}

/** Findings of the change `before` → `after` of `file` (`before` undefined: a new file). */
export function lintImagesChange(file: string, before: string | undefined, after: string, layout: ImagesLayout): Finding[] {
  const now = outlineImages(file, after, layout);
  const findings: Finding[] = now.problems.map((p) => ({ ...p, kind: 'invalid' as const }));
  if (findings.length) return findings; // an unreadable file: comparing it would report everything as removed
  const old = before === undefined ? [] : outlineImages(file, before, layout).images;
  const at = (line: number, kind: FindingKind, message: string): Finding => ({ file, line, kind, message });

  findings.push(...duplicates(now.images, at));
  const newByName = new Map(now.images.map((i) => [i.value, i]));
  for (const o of old) {
    const n = newByName.get(o.value);
    if (!n) {
      findings.push(at(1, 'removed', `image ${o.value} removed (it was at line ${o.line} before); promotion never deletes, so removing it only hides what was promoted: keep it`));
      continue;
    }
    const tagNow = new Map<string, string>();
    for (const d of n.digests) for (const t of d.tags) tagNow.set(t.value, d.value);
    for (const od of o.digests) {
      const nd = n.digests.find((d) => d.value === od.value);
      for (const t of od.tags) {
        if (nd?.tags.some((x) => x.value === t.value)) continue;
        const moved = tagNow.get(t.value);
        if (moved && moved !== od.value) {
          const line = n.digests.find((d) => d.value === moved)!.tags.find((x) => x.value === t.value)!.line;
          findings.push(at(line, 'tag-move', `tag move: ${o.value}:${t.value} was ${od.value} and is now ${moved}; promotion refuses to move a tag (and the refusal blocks the whole run): push a new tag instead`));
        } else if (nd) {
          findings.push(at(nd.line, 'removed', `tag ${o.value}:${t.value} removed from ${od.value}; promotion never deletes, so removing it only hides what was promoted: keep it`));
        }
      }
      if (!nd) {
        findings.push(at(n.line, 'removed', `digest ${od.value} of ${o.value} removed (it was at line ${od.line} before); promotion never deletes: keep it`));
      }
    }
  }
  findings.push(...unsortedAdditions(old, now.images, at));
  return findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

type At = (line: number, kind: FindingKind, message: string) => Finding;

function duplicates(images: OutlineImage[], at: At): Finding[] {
  const out: Finding[] = [];
  const names = new Map<string, number>();
  for (const img of images) {
    const first = names.get(img.value);
    if (first !== undefined) out.push(at(img.line, 'duplicate', `image ${img.value} listed twice (first at line ${first}): merge the two entries`));
    else names.set(img.value, img.line);
    const tagAt = new Map<string, { digest: string; line: number }>();
    for (const d of img.digests) {
      const seen = new Set<string>();
      for (const t of d.tags) {
        if (seen.has(t.value)) {
          out.push(at(t.line, 'duplicate', `tag ${img.value}:${t.value} written twice for ${d.value}`));
          continue;
        }
        seen.add(t.value);
        const other = tagAt.get(t.value);
        if (other && other.digest !== d.value) {
          out.push(at(t.line, 'duplicate', `tag ${img.value}:${t.value} is on two digests: ${other.digest} (line ${other.line}) and ${d.value}; a tag names one digest`));
        } else tagAt.set(t.value, { digest: d.value, line: t.line });
      }
    }
  }
  return out;
}

/** Added images and digests must sit in order with their neighbours (the rest of the file is left as it is). */
function unsortedAdditions(old: OutlineImage[], now: OutlineImage[], at: At): Finding[] {
  const out: Finding[] = [];
  const oldNames = new Set(old.map((i) => i.value));
  now.forEach((img, i) => {
    if (!oldNames.has(img.value)) {
      const prev = now[i - 1];
      const next = now[i + 1];
      if ((prev && compareStrings(prev.value, img.value) > 0) || (next && compareStrings(img.value, next.value) > 0)) {
        out.push(at(img.line, 'unsorted', `image ${img.value} is out of order: images are sorted by name`));
      }
    }
    const before = old.find((o) => o.value === img.value);
    const oldDigests = new Set(before?.digests.map((d) => d.value) ?? []);
    const key = (d: { value: string; tags: Located[] }) => ({ digest: d.value, tags: d.tags.map((t) => t.value) });
    img.digests.forEach((d, j) => {
      if (oldDigests.has(d.value)) return;
      const prev = img.digests[j - 1];
      const next = img.digests[j + 1];
      if ((prev && compareDigestEntries(key(prev), key(d)) > 0) || (next && compareDigestEntries(key(d), key(next)) > 0)) {
        out.push(at(d.line, 'unsorted', `digest ${d.value} of ${img.value} is out of order: digests are sorted by their lowest tag`));
      }
    });
  });
  return out;
}
