/** An in-memory GitHubApi: keeps the pull requests opened, answers lookups from them. */
import type { GitHubApi, NewPullRequest, PullRequest } from './github.js';

/** GitHubApi over a list of pull requests. */
export class MemoryGitHub implements GitHubApi {
  readonly opened: (NewPullRequest & PullRequest)[] = [];

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
