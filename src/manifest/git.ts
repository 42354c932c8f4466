/**
 * The small git reader behind `--use-prow-manifest-diff` and `--manifest-diff-since`: which
 * revision to diff against, and a file's content at that revision (`git show REV:path`).
 * Runs the `git` binary through execFile; no shell, so paths and revisions are never interpreted.
 */
import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { InputError, KpromoError } from '../errors.js';

/** Failures of the git reader (git missing, not a repository, an unknown revision). */
export class GitError extends KpromoError<'GIT_ERROR'> {}

/** The revision manifests are diffed against; `null` = before the first commit (all new). */
export type DiffBase = { rev: string } | null;

/** Where `git` runs and how long a call may take. */
export interface GitOptions {
  /** A directory inside the work tree (the manifest file or thin-manifest dir). */
  cwd: string;
  signal?: AbortSignal;
}

/** Runs `git args…` in `cwd`; resolves stdout, rejects with GitError carrying stderr. */
export function git(args: readonly string[], opts: GitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd: opts.cwd, signal: opts.signal, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          // stopped by the run's signal: the stop is the error (a signal exits 130/143), not git's
          if (opts.signal?.aborted) return reject(opts.signal.reason);
          const detail = String(stderr || err.message).trim();
          reject(new GitError('GIT_ERROR', `git ${args.join(' ')}: ${detail}`, { cause: err }));
        } else resolve(stdout);
      },
    );
  });
}

/**
 * The prow rule: presubmit and batch jobs diff against `PULL_BASE_SHA`, postsubmit jobs
 * against `HEAD^`; other job types (periodic, unset) are an input error.
 */
export function prowDiffRevision(env: NodeJS.ProcessEnv): string {
  const jobType = env.JOB_TYPE ?? '';
  if (jobType === 'presubmit' || jobType === 'batch') {
    const base = env.PULL_BASE_SHA ?? '';
    if (!base) {
      throw new InputError([{ message: `--use-prow-manifest-diff: JOB_TYPE=${jobType} needs PULL_BASE_SHA, which is not set` }]);
    }
    return base;
  }
  if (jobType === 'postsubmit') return 'HEAD^';
  throw new InputError([
    {
      message: `--use-prow-manifest-diff: unsupported JOB_TYPE ${JSON.stringify(jobType)} (presubmit, batch or postsubmit)`,
    },
  ]);
}

/** Resolves `rev` to a commit id; GitError when it is not a commit. */
export async function resolveCommit(rev: string, opts: GitOptions): Promise<string> {
  const out = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], opts).catch((err) => {
    if (!(err instanceof GitError)) throw err; // the run's stop
    throw new GitError('GIT_ERROR', `unknown git revision ${JSON.stringify(rev)}`, { cause: err });
  });
  return out.trim();
}

/**
 * `--manifest-diff-since WINDOW` (git's `--since`, e.g. "7 days"): the parent of the oldest
 * commit in the window. No commit in the window → HEAD (nothing changed); the oldest commit is
 * the root → null (everything is new).
 */
export async function sinceDiffBase(since: string, opts: GitOptions): Promise<DiffBase> {
  const log = await git(['log', `--since=${since}`, '--format=%H %P', 'HEAD'], opts);
  const lines = log.trim().split('\n').filter(Boolean);
  if (lines.length === 0) return { rev: await resolveCommit('HEAD', opts) };
  const [, parent] = lines[lines.length - 1]!.split(' ');
  return parent ? { rev: parent } : null;
}

/** The diff base for the flags given: `--manifest-diff-since` wins over the prow rule. */
export async function diffBase(
  flags: { since?: string; prow?: boolean },
  env: NodeJS.ProcessEnv,
  opts: GitOptions,
): Promise<DiffBase> {
  if (flags.since) return sinceDiffBase(flags.since, opts);
  return { rev: await resolveCommit(prowDiffRevision(env), opts) };
}

/**
 * The content of `file` (an absolute path in the work tree) at `base`; undefined when the file
 * did not exist there (a new manifest: everything in it is new).
 */
export async function readAtRevision(base: DiffBase, file: string, opts?: { signal?: AbortSignal }): Promise<string | undefined> {
  if (base === null) return undefined;
  const g: GitOptions = { cwd: dirname(file), signal: opts?.signal };
  const spec = `${base.rev}:./${basename(file)}`;
  try {
    await git(['cat-file', '-e', spec], g);
  } catch (err) {
    if (!(err instanceof GitError)) throw err; // the run's stop, not a missing file
    return undefined;
  }
  return git(['show', spec], g);
}
