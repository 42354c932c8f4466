/**
 * The `files:` section of a file-promotion manifest for a directory (`kpromo manifest files`):
 * every regular file under it, by path relative to it (with `/`, sorted), and its sha256.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { styled } from './edit.js';
import type { FileEntry } from './file-manifest.js';

/** Bound on directory nesting. */
const MAX_DEPTH = 64;

/** Every regular file under `dir` with its sha256, sorted by name; `prefix` is prepended to each name. */
export async function hashTree(dir: string, prefix = ''): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw new Error(`${d}: directory nesting deeper than ${MAX_DEPTH}`);
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.isFile()) out.push({ name: prefix + relative(dir, p).split(sep).join('/'), sha256: await sha256File(p) });
    }
  };
  await walk(dir, 0);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Upstream's output: a `files:` list of `name` and `sha256`. */
export function formatFilesSection(files: readonly FileEntry[]): string {
  return `files:\n${files.map((f) => `- name: ${styled(f.name, 'PLAIN')}\n  sha256: ${f.sha256}\n`).join('')}`;
}
