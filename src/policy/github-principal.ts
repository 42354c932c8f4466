/**
 * Principals authenticated by GitHub (`--principal-from github`): a manifest line is asked for by
 * whoever opened the pull request that brought its commit in, a login GitHub vouches for, where
 * a commit's author email is whatever its committer wrote. The commits are the ones git blame
 * names; their pull requests are read in batches (one GraphQL query per 100 commits), so a run
 * deciding thousands of edges sends tens of requests, not one per line.
 */
import type { CommitPull, GitHubApi } from '../gitops/github.js';
import type { Policy } from './policy.js';

/** Where the pull requests are read: the API and the repository holding the manifests. */
export interface GitHubPrincipalSource {
  api: Pick<GitHubApi, 'pullRequestsOfCommits'>;
  owner: string;
  repo: string;
}

/** Commits asked of GitHub per call. */
export const COMMITS_PER_QUERY = 100;

/** One login asking for a commit, and the pull request it opened. */
export interface Asker {
  login: string;
  pull: number;
}

/**
 * Who asked for a commit: the authors of the merged pull requests that brought it in; when none
 * is merged (a presubmit, before the merge), the authors of the open ones that carry it. Closed
 * unmerged pull requests ask for nothing; an author GitHub no longer knows (a deleted account)
 * asks as no one (login ''), so the other authors never decide alone. Each login once, in pull
 * request order.
 */
export function askersOf(pulls: readonly CommitPull[]): Asker[] {
  const merged = pulls.filter((p) => p.merged);
  const chosen = merged.length > 0 ? merged : pulls.filter((p) => p.state === 'open');
  const out: Asker[] = [];
  for (const p of [...chosen].sort((a, b) => a.number - b.number)) {
    const login = p.author.toLowerCase();
    if (!out.some((a) => a.login === login)) out.push({ login, pull: p.number });
  }
  return out;
}

/**
 * The principal of a GitHub login, as the policy names people (by email): the first email the
 * policy's `handles:` maps to that login, else the login's GitHub no-reply address (which the
 * OWNERS match reads back as the handle); no one ('') for a deleted account.
 */
export function principalOfLogin(policy: Pick<Policy, 'handles'>, login: string): string {
  const l = login.toLowerCase();
  if (l === '') return '';
  const emails = [...policy.handles].filter(([, h]) => h === l).map(([e]) => e).sort();
  return emails[0] ?? `${l}@users.noreply.github.com`;
}

/** The pull requests of commits, read from GitHub once per commit and kept for the run. */
export class CommitPulls {
  private readonly known = new Map<string, readonly CommitPull[]>();

  constructor(private readonly source: GitHubPrincipalSource) {}

  /** Reads the pull requests of the commits not known yet, COMMITS_PER_QUERY at a time. */
  async load(commits: Iterable<string>, signal?: AbortSignal): Promise<void> {
    const todo = [...new Set(commits)].filter((c) => !this.known.has(c));
    for (let i = 0; i < todo.length; i += COMMITS_PER_QUERY) {
      signal?.throwIfAborted();
      const batch = todo.slice(i, i + COMMITS_PER_QUERY);
      const found = await this.source.api.pullRequestsOfCommits(this.source.owner, this.source.repo, batch, signal);
      for (const c of batch) this.known.set(c, found.get(c) ?? []);
    }
  }

  /** The pull requests of `commit` (read now if it was not loaded). */
  async of(commit: string, signal?: AbortSignal): Promise<readonly CommitPull[]> {
    if (!this.known.has(commit)) await this.load([commit], signal);
    return this.known.get(commit) ?? [];
  }
}
