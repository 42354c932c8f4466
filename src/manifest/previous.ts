/**
 * The manifests as they were at a git revision (the diff base of `--use-prow-manifest-diff` /
 * `--manifest-diff-since`), read with `git show REV:path` for the same files that were loaded
 * now. A file that did not exist at the base, or no longer parses there, counts as empty, so
 * everything in the current version is new (more work, never less).
 */
import type { Logger } from '../log.js';
import { nullLogger } from '../log.js';
import { decodeImagesFile, decodePlainManifest, decodeThinManifest } from './decode.js';
import { readAtRevision, type DiffBase } from './git.js';
import type { ImageEntry, PromoterManifest, RegistryEntry } from './schema.js';
import { YamlReader } from './yaml.js';

/** The old version of each current manifest that existed at `base` (missing ones are left out). */
export async function loadPreviousManifests(
  current: readonly PromoterManifest[],
  base: DiffBase,
  opts: { logger?: Logger; signal?: AbortSignal } = {},
): Promise<PromoterManifest[]> {
  const log = opts.logger ?? nullLogger;
  const out: PromoterManifest[] = [];
  for (const m of current) {
    const text = await readAtRevision(base, m.file, opts);
    if (text === undefined) {
      log.debug('manifest is new at the diff base', { file: m.file });
      continue;
    }
    let registries: RegistryEntry[];
    let images: ImageEntry[] = [];
    if (m.imagesFile) {
      const r = YamlReader.parse(m.file, text);
      registries = r.unreadable ? [] : decodeThinManifest(r).registries;
      const imagesText = await readAtRevision(base, m.imagesFile, opts);
      if (imagesText !== undefined) {
        const ri = YamlReader.parse(m.imagesFile, imagesText);
        if (!ri.unreadable) images = decodeImagesFile(ri);
        else log.warn('images file did not parse at the diff base: treating all its images as new', { file: m.imagesFile });
      }
    } else {
      const r = YamlReader.parse(m.file, text);
      if (r.unreadable) {
        log.warn('manifest did not parse at the diff base: treating all its images as new', { file: m.file });
        continue;
      }
      ({ registries, images } = decodePlainManifest(r));
    }
    out.push({ file: m.file, imagesFile: m.imagesFile, registries, images });
  }
  return out;
}
