/**
 * Temporary directory trees built from object literals (`{'a/b.yaml': '…'}`), for tests of
 * file loaders. Every tree is removed by the returned cleanup (call it from `after`/`t.after`).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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
