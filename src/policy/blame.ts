/**
 * Who added a manifest line: `git blame --line-porcelain` of the file (once per file), giving the
 * author email and the commit that introduced each line. Real git, run in the file's directory.
 */
import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Largest `git blame` output read (a manifest file's porcelain is ~300 bytes a line). */
const MAX_BLAME_BYTES = 256 * 1024 * 1024;

/** Who wrote a line: the commit's author email, and the commit. */
export interface LineAuthor {
  email: string;
  commit: string;
}

/** Line number (1-based) → its author, for one file; empty when the file is not in git. */
export type LineAuthors = ReadonlyMap<number, LineAuthor>;

/** Blames `file` at HEAD (`rev`: another revision); lines not committed yet have no author. */
export async function blameFile(file: string, opts: { rev?: string; signal?: AbortSignal } = {}): Promise<LineAuthors> {
  const args = ['blame', '--line-porcelain', ...(opts.rev ? [opts.rev] : []), '--', basename(file)];
  let stdout: string;
  try {
    ({ stdout } = await run('git', args, { cwd: dirname(file), maxBuffer: MAX_BLAME_BYTES, signal: opts.signal }));
  } catch {
    return new Map(); // not a git work tree, or the file is not tracked
  }
  return parsePorcelain(stdout);
}

/** Parses `git blame --line-porcelain` output. Uncommitted lines (all-zero hash) are left out. */
export function parsePorcelain(text: string): Map<number, LineAuthor> {
  const out = new Map<number, LineAuthor>();
  let line = 0;
  let commit = '';
  for (const l of text.split('\n')) {
    const head = /^([0-9a-f]{40,64}) \d+ (\d+)/.exec(l);
    if (head) {
      line = Number(head[2]);
      commit = /^0+$/.test(head[1]!) ? '' : head[1]!;
    } else if (l.startsWith('author-mail ') && commit) {
      out.set(line, { email: l.slice(12).replace(/^<|>$/g, '').toLowerCase(), commit });
    }
  }
  return out;
}
