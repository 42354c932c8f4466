/** Loading a plain manifest (`--manifest FILE`): registries and images in one file. */
import type { Problem } from '../errors.js';
import { decodePlainManifest } from './decode.js';
import { readYamlFile } from './read.js';
import type { PromoterManifest } from './schema.js';
import { validateManifest } from './validate.js';
import { YamlReader } from './yaml.js';

/** Outcome of loading one manifest: `manifest` is set only when there are no problems. */
export interface PlainLoadResult {
  manifest?: PromoterManifest;
  problems: Problem[];
}

/** Reads, parses and validates one plain manifest file. */
export async function loadPlainManifest(file: string): Promise<PlainLoadResult> {
  const r = await readYamlFile(file, 'manifest file');
  return r instanceof YamlReader ? fromReader(r) : { problems: [r] };
}

/** Parses and validates plain-manifest `text` as if read from `file` (pure; for tests and tools). */
export function parsePlainManifest(file: string, text: string): PlainLoadResult {
  return fromReader(YamlReader.parse(file, text));
}

function fromReader(r: YamlReader): PlainLoadResult {
  if (r.unreadable) return { problems: r.problems };
  const { registries, images } = decodePlainManifest(r);
  const manifest: PromoterManifest = { file: r.file, registries, images };
  const problems = [...r.problems, ...validateManifest(manifest)];
  return problems.length ? { problems } : { manifest, problems };
}
