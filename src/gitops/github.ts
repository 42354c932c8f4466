/**
 * The GitHub side of `kpromo pr` (find or open a pull request) and of principals taken from
 * GitHub (the pull requests a commit came in by, and their authors). One small interface; the real
 * implementation uses the REST API through @octokit/rest (any base URL, for GitHub Enterprise),
 * the in-memory one (memory-github.ts) records what it was asked.
 */
import { KpromoError } from '../errors.js';
import { systemClock } from '../net/clock.js';
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

/** A pull request a commit belongs to, as the policy's principals need it. */
export interface CommitPull {
  number: number;
  /** The login of the account that opened it (authenticated by GitHub, unlike a commit's author email). */
  author: string;
  /** Merged into its base branch (else open, or closed unmerged). */
  merged: boolean;
  state: 'open' | 'closed';
}

/** The GitHub operations kpromo uses. */
export interface GitHubApi {
  /**
   * The pull requests of each commit (at most 100 a call; a commit GitHub does not know maps to
   * none): the merged one that brought it to the default branch, else the open ones carrying it.
   */
  pullRequestsOfCommits(owner: string, repo: string, shas: readonly string[], signal?: AbortSignal): Promise<Map<string, CommitPull[]>>;
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
    pullRequestsOfCommits: (owner, repo, shas, signal) =>
      wrap(`finding the pull requests of ${shas.length} ${shas.length === 1 ? 'commit' : 'commits'}`, async () => {
        const { query, variables } = commitPullsQuery(owner, repo, shas);
        // a read: retried when GitHub is briefly unavailable, each try bounded in time
        const data = await retryTransient(signal, (s) => octokit.graphql<CommitPullsAnswer>(query, { ...variables, request: { signal: s } }));
        return commitPullsOf(owner, repo, shas, data);
      }),
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

/** What the commit pull requests query answers: per alias `c<i>`, the commit (null when GitHub does not know it). */
export interface CommitPullsAnswer {
  repository: Record<
    string,
    {
      associatedPullRequests?: {
        nodes: ({ number: number; state: string; merged: boolean; author: { login: string } | null; repository: { nameWithOwner: string } } | null)[];
      } | null;
    } | null
  > | null;
}

/** Pull requests listed per commit (a commit in more is rare: a merge-forward, a cherry-pick's source). */
const PULLS_PER_COMMIT = 10;

/** One GraphQL query for the pull requests of `shas`, each commit under the alias `c<i>`, the values as variables. */
export function commitPullsQuery(owner: string, repo: string, shas: readonly string[]): { query: string; variables: Record<string, string> } {
  const variables: Record<string, string> = { owner, name: repo };
  const decls = ['$owner: String!', '$name: String!'];
  const fields = shas.map((sha, i) => {
    variables[`c${i}`] = sha;
    decls.push(`$c${i}: GitObjectID!`);
    return `c${i}: object(oid: $c${i}) { ... on Commit { associatedPullRequests(first: ${PULLS_PER_COMMIT}) { nodes { number state merged author { login } repository { nameWithOwner } } } } }`;
  });
  return { query: `query(${decls.join(', ')}) { repository(owner: $owner, name: $name) { ${fields.join(' ')} } }`, variables };
}

/**
 * The answer of commitPullsQuery, per commit: only the pull requests of `owner/repo` (GitHub also
 * lists those of other repositories of the fork network that carry the commit; anyone can open
 * and merge those).
 */
export function commitPullsOf(owner: string, repo: string, shas: readonly string[], data: CommitPullsAnswer): Map<string, CommitPull[]> {
  const out = new Map<string, CommitPull[]>();
  const here = `${owner}/${repo}`.toLowerCase();
  shas.forEach((sha, i) => {
    const nodes = data.repository?.[`c${i}`]?.associatedPullRequests?.nodes ?? [];
    out.set(sha, nodes.flatMap((n) => (n && n.repository.nameWithOwner.toLowerCase() === here ? [{ number: n.number, author: n.author?.login ?? '', merged: n.merged, state: n.state === 'OPEN' ? ('open' as const) : ('closed' as const) }] : [])));
  });
  return out;
}

/** Tries of a GitHub read, the wait before each retry, and the bound on each try. */
export const GITHUB_READ = { tries: 3, backoffMs: [1_000, 4_000], timeoutMs: 30_000 };

/** Whether a GitHub failure may pass on its own: no answer (a reset, a timeout), 429, 5xx, a rate limit. */
function transient(err: unknown): boolean {
  const e = err as { status?: unknown; errors?: unknown; message?: unknown };
  // a GraphQL answer with errors (a repository not found, a bad field) says the same next time,
  // unless GitHub says it is rate-limited
  if (Array.isArray(e.errors)) return e.errors.some((x) => (x as { type?: unknown })?.type === 'RATE_LIMITED');
  const status = e.status;
  // 403 is also GitHub's answer to a secondary rate limit
  if (status === 403) return /rate limit/i.test(String(e.message ?? ''));
  return typeof status !== 'number' || status === 429 || status >= 500;
}

/** Runs a GitHub read up to GITHUB_READ.tries times while it fails transiently; stops at once when `signal` aborts. */
export async function retryTransient<T>(signal: AbortSignal | undefined, read: (s: AbortSignal) => Promise<T>, policy = GITHUB_READ): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const bounded = AbortSignal.timeout(policy.timeoutMs);
    try {
      return await read(signal ? AbortSignal.any([signal, bounded]) : bounded);
    } catch (caught) {
      const err = bounded.aborted && !signal?.aborted ? new Error(`no answer within ${policy.timeoutMs / 1000} s`) : caught;
      if (signal?.aborted || attempt >= policy.tries || !transient(err)) throw err;
      await systemClock.sleep(policy.backoffMs[attempt - 1] ?? policy.backoffMs.at(-1) ?? 0, signal);
    }
  }
}
