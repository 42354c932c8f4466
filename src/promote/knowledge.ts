/**
 * What the copy knows about destination blobs: which repository of a host holds a blob (from
 * the plan, or because this run put it there), so later copies skip the HEAD and mount instead
 * of uploading. Also remembers hosts found unreachable, so a dead mirror is not retried per blob.
 */
import { errorMessage } from '../errors.js';
import type { RepoRef } from '../image/ref.js';
import { isNetworkError } from '../registry/errors.js';

/** Blob locations per destination host, and unreachable hosts. */
export class BlobKnowledge {
  private readonly byHost = new Map<string, Map<string, Set<string>>>();
  private readonly dead = new Map<string, unknown>();

  /** Records that `repo` holds `digest`. */
  add(repo: RepoRef, digest: string): void {
    let host = this.byHost.get(repo.host);
    if (!host) this.byHost.set(repo.host, (host = new Map()));
    let repos = host.get(digest);
    if (!repos) host.set(digest, (repos = new Set()));
    repos.add(repo.repository);
  }

  /** Whether `repo` is known to hold `digest`. */
  has(repo: RepoRef, digest: string): boolean {
    return this.byHost.get(repo.host)?.get(digest)?.has(repo.repository) ?? false;
  }

  /** A repository of `host` known to hold `digest`, to mount from. */
  mountSource(host: string, digest: string): string | undefined {
    const repos = this.byHost.get(host)?.get(digest);
    return repos ? repos.values().next().value : undefined;
  }

  /**
   * Runs `fn` against `host` unless it was found unreachable; a network error marks it so, unless
   * `mark` is false (a streamed upload: one reset proves little, its caller retries and marks
   * the host itself with `markUnreachable` when the retries are spent).
   */
  async guard<T>(host: string, fn: () => Promise<T>, mark = true): Promise<T> {
    const down = this.dead.get(host);
    if (down !== undefined) throw new Error(`${host} unreachable: ${errorMessage(down)}`, { cause: down });
    try {
      return await fn();
    } catch (err) {
      if (mark) this.markUnreachable(host, err);
      throw err;
    }
  }

  /** Records `host` as unreachable when `err` is a network error. */
  markUnreachable(host: string, err: unknown): void {
    if (isNetworkError(err)) this.dead.set(host, err);
  }
}
