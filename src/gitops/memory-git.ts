/**
 * An in-memory GitWorkspace for tests of the pull-request flow: "remotes" are maps of file
 * contents; clone writes a remote's files into the directory; commit records the changed files;
 * push records what was pushed where. No git binary involved.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Author, GitWorkspace } from './git.js';

/** A commit pushed to a remote. */
export interface PushedCommit {
  url: string;
  branch: string;
  message: string;
  author: Author;
  files: Record<string, string>;
}

/** GitWorkspace over in-memory remotes. */
export class MemoryGit implements GitWorkspace {
  readonly pushes: PushedCommit[] = [];
  readonly branches: string[] = [];
  private readonly base = new Map<string, Record<string, string>>();
  private readonly commits = new Map<string, { message: string; author: Author; files: Record<string, string> }>();

  /** `remotes`: URL → path → content. */
  constructor(private readonly remotes: Record<string, Record<string, string>>) {}

  async clone(url: string, dir: string): Promise<void> {
    const files = this.remotes[url];
    if (!files) throw new Error(`no such remote ${url}`);
    for (const [p, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, p)), { recursive: true });
      await writeFile(join(dir, p), text);
    }
    this.base.set(dir, { ...files });
  }

  async fetch(): Promise<void> {}

  async checkoutBranch(_dir: string, branch: string): Promise<void> {
    this.branches.push(branch);
  }

  async changedFiles(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const [p, text] of Object.entries(this.base.get(dir) ?? {})) {
      if ((await readFile(join(dir, p), 'utf8').catch(() => undefined)) !== text) out.push(p);
    }
    return out;
  }

  async commitAll(dir: string, message: string, author: Author): Promise<string> {
    const files: Record<string, string> = {};
    for (const p of await this.changedFiles(dir)) files[p] = await readFile(join(dir, p), 'utf8');
    const id = `commit-${this.commits.size + 1}`;
    this.commits.set(dir, { message, author, files });
    return id;
  }

  async push(dir: string, url: string, branch: string): Promise<void> {
    const c = this.commits.get(dir);
    if (!c) throw new Error('nothing committed');
    this.pushes.push({ url, branch, ...c });
  }
}
