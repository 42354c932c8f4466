/**
 * Temporary directory trees built from object literals (`{'a/b.yaml': '…'}`), for tests of
 * file loaders. Every tree is removed by the returned cleanup (call it from `after`/`t.after`).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';

/** A created tree: its root and a cleanup function. */
export interface TempTree {
  root: string;
  cleanup: () => Promise<void>;
}

/** Writes `files` (relative path → content) under a fresh temp directory; `null` makes an empty dir. */
export async function writeTree(files: Record<string, string | null>): Promise<TempTree> {
  const root = await mkdtemp(join(tmpdir(), 'kpromo-tree-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    if (content === null) {
      await mkdir(p, { recursive: true });
    } else {
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, content);
    }
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/**
 * A `tree(files)` function for one test file: each call writes a tree and returns its root; all
 * of them are removed when the file's tests end (registered with node:test's `after`).
 */
export function tempTrees(): (files: Record<string, string | null>) => Promise<string> {
  const trees: TempTree[] = [];
  after(async () => {
    for (const t of trees) await t.cleanup();
  });
  return async (files) => {
    const t = await writeTree(files);
    trees.push(t);
    return t.root;
  };
}
