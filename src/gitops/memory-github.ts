/** An in-memory GitHubApi: keeps the pull requests opened, answers lookups from them. */
import type { CommitPull, GitHubApi, NewPullRequest, PullRequest } from './github.js';

/** GitHubApi over a list of pull requests. */
export class MemoryGitHub implements GitHubApi {
  readonly opened: (NewPullRequest & PullRequest)[] = [];
  /** The pull requests of each commit (`owner/repo@sha`), as pullRequestsOfCommits answers. */
  readonly commitPulls = new Map<string, CommitPull[]>();
  /** The commits asked, per call of pullRequestsOfCommits. */
  readonly commitQueries: string[][] = [];

  async pullRequestsOfCommits(owner: string, repo: string, shas: readonly string[]): Promise<Map<string, CommitPull[]>> {
    this.commitQueries.push([...shas]);
    return new Map(shas.map((sha) => [sha, this.commitPulls.get(`${owner}/${repo}@${sha}`) ?? []]));
  }

  async findOpenPullRequest(owner: string, repo: string, head: string, base: string): Promise<PullRequest | undefined> {
    return this.opened.find((p) => p.owner === owner && p.repo === repo && p.head === head && p.base === base);
  }

  async createPullRequest(pr: NewPullRequest): Promise<PullRequest> {
    const number = this.opened.length + 1;
    const created = { ...pr, number, url: `https://github.example/${pr.owner}/${pr.repo}/pull/${number}` };
    this.opened.push(created);
    return { number, url: created.url };
  }
}
