/**
 * The one entry point for manifests: `--manifest FILE` or `--thin-manifest-dir DIR`
 * (the file wins when both are given, as upstream). Throws InputError with every problem.
 */
import { InputError, type Problem } from '../errors.js';
import { loadPlainManifest } from './plain.js';
import type { LoadedManifests, ManifestSource } from './schema.js';
import { loadThinManifestDir } from './thin.js';
import { manifestWarnings } from './warnings.js';

/** Upstream's error text when neither flag is given. */
export const NO_MANIFEST_SOURCE = 'at least a manifest file or thin manifest directory have to be specified';

/** Loads, parses and validates the manifests of `source`; throws InputError listing all problems. */
export async function loadManifests(source: ManifestSource): Promise<LoadedManifests> {
  const warnings: Problem[] = [];
  if (source.manifest) {
    if (source.thinManifestDir) {
      warnings.push({ message: `--thin-manifest-dir ${source.thinManifestDir} is ignored because --manifest is set` });
    }
    const { manifest, problems } = await loadPlainManifest(source.manifest);
    if (!manifest) throw new InputError(problems);
    return { manifests: [manifest], warnings: [...warnings, ...manifestWarnings(manifest, { plain: true })] };
  }
  if (source.thinManifestDir) {
    const r = await loadThinManifestDir(source.thinManifestDir);
    if (r.problems.length) throw new InputError(r.problems);
    return { manifests: r.manifests, warnings: [...warnings, ...r.warnings, ...r.manifests.flatMap((m) => manifestWarnings(m, { plain: false }))] };
  }
  throw new InputError([{ message: `${NO_MANIFEST_SOURCE} (--manifest FILE or --thin-manifest-dir DIR)` }]);
}
