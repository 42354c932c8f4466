/**
 * The GitHub side of `kpromo pr`: find or open a pull request. One small interface; the real
 * implementation uses the REST API through @octokit/rest (any base URL, for GitHub Enterprise),
 * the in-memory one (memory-github.ts) records what it was asked.
 */
import { KpromoError } from '../errors.js';
import { redactKnown } from '../redact.js';

/** A failed GitHub API call (status and GitHub's message; never the token). */
export class GitHubError extends KpromoError<'GITHUB_ERROR'> {}

/** A pull request as kpromo needs it. */
export interface PullRequest {
  number: number;
  url: string;
}

/** What to open: `head` is `forkOwner:branch`. */
export interface NewPullRequest {
  owner: string;
  repo: string;
  title: string;
  body: string;
  head: string;
  base: string;
}

/** The GitHub operations of a promotion pull request. */
export interface GitHubApi {
  /** The open pull request from `head` into `base`, if there is one. */
  findOpenPullRequest(owner: string, repo: string, head: string, base: string): Promise<PullRequest | undefined>;
  /** Opens a pull request. */
  createPullRequest(pr: NewPullRequest): Promise<PullRequest>;
}

/** The public GitHub API (GitHub Enterprise: `https://HOST/api/v3`). */
export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** GitHubApi over @octokit/rest, authenticated with a token. */
export async function createOctokitGitHub(opts: { token: string; baseUrl?: string; userAgent?: string }): Promise<GitHubApi> {
  const { Octokit } = await import('@octokit/rest');
  const octokit = new Octokit({ auth: opts.token, baseUrl: opts.baseUrl ?? DEFAULT_GITHUB_API_URL, userAgent: opts.userAgent ?? 'kpromo', log: { debug() {}, info() {}, warn() {}, error() {} } });
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      const e = err as { status?: number; message?: string };
      const msg = redactKnown(String(e.message ?? err), [opts.token]);
      throw new GitHubError('GITHUB_ERROR', `GitHub ${what}: ${e.status ? `HTTP ${e.status}: ` : ''}${msg}`);
    }
  };
  return {
    findOpenPullRequest: (owner, repo, head, base) =>
      wrap('listing pull requests', async () => {
        const res = await octokit.rest.pulls.list({ owner, repo, head, base, state: 'open', per_page: 100 });
        const pr = res.data[0];
        return pr ? { number: pr.number, url: pr.html_url } : undefined;
      }),
    createPullRequest: (pr) =>
      wrap('opening the pull request', async () => {
        const res = await octokit.rest.pulls.create({ owner: pr.owner, repo: pr.repo, title: pr.title, body: pr.body, head: pr.head, base: pr.base, maintainer_can_modify: true });
        return { number: res.data.number, url: res.data.html_url };
      }),
  };
}
