/**
 * Loading a thin-manifest tree (`--thin-manifest-dir DIR`), with upstream's layout rules:
 * `DIR/manifests/<p>/promoter-manifest.yaml` holds the registries and `DIR/images/<p>/images.yaml`
 * the images. Only `manifests/` is walked, so files elsewhere (e.g. a misplaced
 * `images/<p>/promoter-manifest.yaml`) are ignored.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Problem } from '../errors.js';
import { decodeImagesFile, decodeThinManifest } from './decode.js';
import { ioReason, readYamlFile } from './read.js';
import type { PromoterManifest } from './schema.js';
import { validateManifest } from './validate.js';
import { YamlReader } from './yaml.js';

/** The only file name read as a thin promoter manifest. */
export const THIN_MANIFEST_FILE = 'promoter-manifest.yaml';
/** The images file paired with each thin manifest. */
export const THIN_IMAGES_FILE = 'images.yaml';
/** Bound on directory nesting under manifests/ (the valid depth is 2). */
const MAX_WALK_DEPTH = 32;

const LAYOUT = 'a thin manifest directory holds manifests/<project>/promoter-manifest.yaml and images/<project>/images.yaml';

/** Result of loading a tree: manifests sorted by path, or the problems that prevent it. */
export interface ThinLoadResult {
  manifests: PromoterManifest[];
  problems: Problem[];
  warnings: Problem[];
}

/** Loads and validates every thin manifest under `dir`, collecting all problems. */
export async function loadThinManifestDir(dir: string): Promise<ThinLoadResult> {
  const out: ThinLoadResult = { manifests: [], problems: [], warnings: [] };
  const root = await kind(dir);
  if (root !== 'dir') {
    out.problems.push({ file: dir, message: `thin manifest directory: ${root === 'missing' ? 'no such directory' : 'not a directory'}; ${LAYOUT}` });
    return out;
  }
  const missing: string[] = [];
  for (const sub of ['images', 'manifests']) {
    if ((await kind(join(dir, sub))) !== 'dir') missing.push(`"${sub}/"`);
  }
  if (missing.length) {
    const what = missing.join(' and ');
    out.problems.push({ file: dir, message: `not a thin manifest directory: ${what} missing; ${LAYOUT}${await hint(dir)}` });
    return out;
  }

  const manifestsDir = join(dir, 'manifests');
  const files = await findManifestFiles(manifestsDir, out.problems);
  const projects: string[] = [];
  for (const file of files) {
    const parts = relative(manifestsDir, file).split(sep);
    if (parts.length !== 2) {
      out.problems.push({ file, message: `unexpected manifest path "${file}": ${THIN_MANIFEST_FILE} must sit exactly at manifests/<project>/${THIN_MANIFEST_FILE}` });
    } else {
      projects.push(parts[0]!);
    }
  }
  await warnEmptyProjects(manifestsDir, projects, out.warnings);
  for (const p of projects) {
    const m = await loadOne(join(manifestsDir, p, THIN_MANIFEST_FILE), join(dir, 'images', p, THIN_IMAGES_FILE), out.problems);
    if (m) out.manifests.push(m);
  }
  if (files.length === 0 && out.problems.length === 0) {
    out.problems.push({ file: dir, message: `no manifests found in dir: ${dir}; ${LAYOUT}` });
  }
  return out;
}

async function loadOne(file: string, imagesFile: string, problems: Problem[]): Promise<PromoterManifest | undefined> {
  const k = await kind(imagesFile);
  if (k !== 'file') {
    const why = k === 'missing' ? 'does not exist' : 'is not a regular file';
    problems.push({ file, message: `corresponding file "${imagesFile}" ${why}: every manifests/<project>/${THIN_MANIFEST_FILE} needs images/<project>/${THIN_IMAGES_FILE}` });
    return undefined;
  }
  const [mr, ir] = await Promise.all([readYamlFile(file, 'thin manifest'), readYamlFile(imagesFile, 'images file')]);
  if (!(mr instanceof YamlReader) || !(ir instanceof YamlReader) || mr.unreadable || ir.unreadable) {
    for (const r of [mr, ir]) problems.push(...(r instanceof YamlReader ? r.problems : [r]));
    return undefined;
  }
  const manifest: PromoterManifest = { file, imagesFile, registries: decodeThinManifest(mr).registries, images: decodeImagesFile(ir) };
  const found = [...mr.problems, ...ir.problems, ...validateManifest(manifest)];
  problems.push(...found);
  return found.length ? undefined : manifest;
}

/** Every file named promoter-manifest.yaml under `root`, sorted (like filepath.Walk). */
async function findManifestFiles(root: string, problems: Problem[], depth = 0): Promise<string[]> {
  if (depth > MAX_WALK_DEPTH) {
    problems.push({ file: root, message: `directory nesting deeper than ${MAX_WALK_DEPTH} levels under manifests/` });
    return [];
  }
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    problems.push({ file: root, message: `cannot read directory: ${ioReason(err)}` });
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...(await findManifestFiles(p, problems, depth + 1)));
    else if (e.name === THIN_MANIFEST_FILE) out.push(p);
  }
  return out;
}

/** Upstream only warns about a manifests/<p>/ folder without a promoter-manifest.yaml. */
async function warnEmptyProjects(manifestsDir: string, projects: string[], warnings: Problem[]): Promise<void> {
  const entries = await readdir(manifestsDir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isDirectory() && !projects.includes(e.name)) {
      const file = join(manifestsDir, e.name);
      warnings.push({ file, message: `no ${THIN_MANIFEST_FILE} in this project folder; it is skipped` });
    }
  }
}

/** A hint when `dir` looks like a manifests/ folder itself (projects directly inside). */
async function hint(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isDirectory() && (await kind(join(dir, e.name, THIN_MANIFEST_FILE))) === 'file') {
      return ` (found ${join(dir, e.name, THIN_MANIFEST_FILE)}: this looks like a manifests/ folder; the directory to give is its parent, which must also hold images/)`;
    }
  }
  return '';
}

async function kind(p: string): Promise<'file' | 'dir' | 'other' | 'missing'> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}
