/** Loading a plain manifest (`--manifest FILE`): registries and images in one file. */
import type { Problem } from '../errors.js';
import { decodePlainManifest } from './decode.js';
import { readYamlFile } from './read.js';
import type { PromoterManifest } from './schema.js';
import { validateManifest } from './validate.js';
import { YamlReader } from './yaml.js';

/** Loads and validates one plain manifest; `manifest` is set only when there are no problems. */
export async function loadPlainManifest(file: string): Promise<{ manifest?: PromoterManifest; problems: Problem[] }> {
  const r = await readYamlFile(file, 'manifest file');
  if (!(r instanceof YamlReader)) return { problems: [r] };
  if (r.unreadable) return { problems: r.problems };
  const { registries, images } = decodePlainManifest(r);
  const manifest: PromoterManifest = { file, registries, images };
  const problems = [...r.problems, ...validateManifest(manifest)];
  return problems.length ? { problems } : { manifest, problems };
}
