/**
 * Things in valid manifests that are probably not what the author meant: they do not stop a run,
 * they are said. A `--manifest` file without images that looks like a thin tree's
 * promoter-manifest.yaml, and the same image listed twice in one manifest.
 */
import { basename } from 'node:path';
import type { Problem } from '../errors.js';
import { problemAt, type PromoterManifest } from './schema.js';

/** The warnings of one loaded manifest. */
export function manifestWarnings(m: PromoterManifest, opts: { plain: boolean }): Problem[] {
  const out: Problem[] = [];
  if (opts.plain && m.images.length === 0) {
    const thin = basename(m.file) === 'promoter-manifest.yaml';
    out.push({
      file: m.file,
      message: thin
        ? 'no images: this looks like a thin manifest tree\'s promoter-manifest.yaml (its images are in images/<project>/images.yaml); pass the tree\'s root with --thin-manifest-dir instead of --manifest'
        : 'no images: the manifest lists no images, so nothing is planned',
    });
  }
  const first = new Map<string, PromoterManifest['images'][number]>();
  for (const img of m.images) {
    const seen = first.get(img.name);
    if (!seen) {
      first.set(img.name, img);
      continue;
    }
    const where = seen.pos.line !== undefined ? ` (first at line ${seen.pos.line})` : '';
    out.push(problemAt(img.pos, `image "${img.name}" is listed twice in this manifest${where}: both entries are planned; list each image once`));
  }
  return out;
}
