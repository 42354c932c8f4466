/**
 * The git side of `kpromo pr`: clone, branch, commit, push. One small interface with the real
 * implementation over the `git` binary (execFile, no shell). A token for HTTPS pushes is passed
 * per command through the environment (GIT_CONFIG_COUNT/KEY/VALUE → http.extraHeader): it is
 * never written to a config file, never on a command line, never in a remote URL.
 */
import { execFile } from 'node:child_process';
import { KpromoError } from '../errors.js';
import { redactKnown } from '../redact.js';

/** A failed git command (its stderr, with any credential removed). */
export class GitCommandError extends KpromoError<'GIT_ERROR'> {}

/** Who commits. */
export interface Author {
  name: string;
  email: string;
}

/** The git operations of a promotion pull request. */
export interface GitWorkspace {
  /** Clones `url` (branch `base`, shallow) into `dir`. */
  clone(url: string, dir: string, base: string): Promise<void>;
  /** Fetches `base` from `url` into the work tree's FETCH_HEAD. */
  fetch(dir: string, url: string, base: string): Promise<void>;
  /** Creates (or resets) `branch` at `startPoint` and checks it out. */
  checkoutBranch(dir: string, branch: string, startPoint: string): Promise<void>;
  /** Paths changed in the work tree (staged, unstaged or untracked). */
  changedFiles(dir: string): Promise<string[]>;
  /** Stages everything and commits; returns the commit id. */
  commitAll(dir: string, message: string, author: Author): Promise<string>;
  /** Pushes HEAD to `branch` of `url` (forced: the branch is the tool's own). */
  push(dir: string, url: string, branch: string): Promise<void>;
}

/** Options of the real implementation. */
export interface CliGitOptions {
  /** Token for HTTPS remotes, sent as an http.extraHeader through the environment of each command. */
  token?: string;
  /** The only HTTPS host (`host[:port]`) the token goes to; default any. */
  tokenHost?: string;
  /** Environment for git (default process.env). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/**
 * Whether a remote gets the token: HTTPS (to `host` only, when given: the token is GitHub's, not
 * a mirror's), or plain HTTP to this machine (loopback).
 */
export function sendsToken(remote: string, host?: string): boolean {
  if (/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(remote)) return true;
  if (!/^https:\/\//i.test(remote)) return false;
  if (host === undefined) return true;
  try {
    return new URL(remote).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/** GitWorkspace over the `git` binary. */
export class CliGit implements GitWorkspace {
  constructor(private readonly opts: CliGitOptions = {}) {}

  async clone(url: string, dir: string, base: string): Promise<void> {
    await this.run(['clone', '--quiet', '--depth', '1', '--branch', base, '--no-tags', '--', url, dir], process.cwd(), url);
  }

  async fetch(dir: string, url: string, base: string): Promise<void> {
    await this.run(['fetch', '--quiet', '--depth', '1', '--no-tags', '--', url, `refs/heads/${base}`], dir, url);
  }

  async checkoutBranch(dir: string, branch: string, startPoint: string): Promise<void> {
    await this.run(['checkout', '--quiet', '-B', branch, startPoint], dir);
  }

  async changedFiles(dir: string): Promise<string[]> {
    const out = await this.run(['status', '--porcelain', '-z', '--untracked-files=all'], dir);
    return out.split('\0').filter(Boolean).map((l) => l.slice(3));
  }

  async commitAll(dir: string, message: string, author: Author): Promise<string> {
    await this.run(['add', '--all'], dir);
    const ident = ['-c', `user.name=${author.name}`, '-c', `user.email=${author.email}`];
    await this.run([...ident, 'commit', '--quiet', '--no-verify', '-m', message], dir);
    return (await this.run(['rev-parse', 'HEAD'], dir)).trim();
  }

  async push(dir: string, url: string, branch: string): Promise<void> {
    await this.run(['push', '--quiet', '--force', '--', url, `HEAD:refs/heads/${branch}`], dir, url);
  }

  /** Runs git; `remote` set: the token (if any) goes along for an https remote. */
  private run(args: string[], cwd: string, remote?: string): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...(this.opts.env ?? process.env), GIT_TERMINAL_PROMPT: '0' };
    const token = this.opts.token;
    if (token && remote && sendsToken(remote, this.opts.tokenHost)) {
      const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
      const n = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
      env.GIT_CONFIG_COUNT = String(n + 1);
      env[`GIT_CONFIG_KEY_${n}`] = 'http.extraHeader';
      env[`GIT_CONFIG_VALUE_${n}`] = `Authorization: Basic ${basic}`;
      // git's HTTP traces (GIT_TRACE_CURL, GIT_CURL_VERBOSE) end up in our errors: keep the header redacted
      env.GIT_TRACE_REDACT = '1';
    }
    const secrets = token ? [token, Buffer.from(`x-access-token:${token}`).toString('base64')] : [];
    return new Promise((resolve, reject) => {
      execFile('git', args, { cwd, env, signal: this.opts.signal, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        // stopped by the run's signal: the stop is the error (a signal exits 130/143), not git's
        if (this.opts.signal?.aborted) return reject(this.opts.signal.reason);
        const detail = redactKnown(String(stderr || err.message).trim(), secrets);
        reject(new GitCommandError('GIT_ERROR', `git ${args.filter((a) => a !== '--').slice(0, 2).join(' ')}: ${detail}`));
      });
    });
  }
}
