/**
 * Reading file-promotion manifests from disk the two ways upstream's `manifest validate` takes
 * them: a directory (`filestores/<p>/filepromoter-manifest.yaml` with `manifests/<p>/*.yaml`), or
 * a filestores file plus a files file or directory (every .yaml in it, sorted, merged).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Problem } from '../errors.js';
import { decodeFileManifest, validateFiles, validateFilestores, type FileManifest } from './file-manifest.js';
import { readManifestText } from './read.js';

/** What was validated, for the summary. */
export interface FileManifestSummary {
  projects: number;
  filestores: number;
  files: number;
  problems: Problem[];
}

/** Validates `dir` (one argument) or `filestores` + `files` (two). */
export async function validateFileManifests(args: readonly string[]): Promise<FileManifestSummary> {
  const out: FileManifestSummary = { projects: 0, filestores: 0, files: 0, problems: [] };
  if (args.length === 2) {
    await validatePair(args[0]!, args[1]!, out);
    return out;
  }
  const dir = args[0]!;
  const projects = await readdir(join(dir, 'filestores'), { withFileTypes: true }).catch(() => undefined);
  if (!projects) {
    out.problems.push({ file: dir, message: 'not a file manifest directory: filestores/<project>/filepromoter-manifest.yaml expected' });
    return out;
  }
  for (const p of projects.filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    await validatePair(join(dir, 'filestores', p, 'filepromoter-manifest.yaml'), join(dir, 'manifests', p), out);
  }
  return out;
}

async function validatePair(filestoresFile: string, files: string, out: FileManifestSummary): Promise<void> {
  out.projects++;
  const stores = await load(filestoresFile, out.problems);
  if (stores) {
    if (stores.files.length) out.problems.push({ file: filestoresFile, message: 'a filestores file must not list files' });
    for (const m of validateFilestores(stores.filestores)) out.problems.push({ file: filestoresFile, message: m });
    out.filestores += stores.filestores.length;
  }
  const isDir = await stat(files).then((s) => s.isDirectory(), () => false);
  const list = isDir ? (await readdir(files)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort().map((f) => join(files, f)) : [files];
  const merged: FileManifest['files'] = [];
  for (const f of list) {
    const m = await load(f, out.problems);
    if (!m) continue;
    if (m.filestores.length) out.problems.push({ file: f, message: 'a files file must not list filestores' });
    merged.push(...m.files);
  }
  for (const m of validateFiles(merged)) out.problems.push({ file: files, message: m });
  out.files += merged.length;
}

async function load(file: string, problems: Problem[]): Promise<FileManifest | undefined> {
  const text = await readManifestText(file, 'file manifest');
  if (typeof text !== 'string') {
    problems.push(text);
    return undefined;
  }
  const r = decodeFileManifest(file, text);
  problems.push(...r.problems);
  return r.manifest;
}
