/**
 * Copies blobs to destination repositories with the fewest requests: skip what is known present,
 * mount from a repository of the same host known to hold it, and otherwise read the source once
 * and send it to one repository per host, the others of that host mounting from it afterwards.
 * That one upload opens with a speculative mount from the repository most likely to hold the
 * blob (its `hint`): Distribution answers 201 (present: done, no bytes sent) or 202 with the
 * upload session the upload then uses, so the guess costs nothing; a refused mount (401/403/404)
 * falls back to a plain upload. This replaces a HEAD probe (HEAD + POST + PUT when absent).
 * Small blobs run each host on its own (a host paused by Retry-After delays only itself);
 * large ones are streamed to all hosts at once.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../errors.js';
import { repoKey, type RepoRef } from '../image/ref.js';
import type { Logger } from '../log.js';
import type { RetryRunner } from '../net/transport.js';
import { RegistryError } from '../registry/errors.js';
import type { RegistryClient } from '../registry/types.js';
import type { BlobRef } from './graph.js';
import type { BlobKnowledge } from './knowledge.js';
import { buffered, sourceBytes, uploadBuffered, uploadStreamed, type BlobCtx, type Settle, type Upload } from './upload.js';

/** One blob and every destination repository that needs it. */
export interface BlobJob {
  blob: BlobRef;
  source: RepoRef;
  targets: RepoRef[];
  /**
   * Per target (repoKey), a repository of the same host that may hold the blob (the target
   * itself when it may already have it): the upload first tries to mount from it.
   */
  hints: ReadonlyMap<string, string>;
}

/** Failures, keyed by `blobFailureKey(repo, digest)`. */
export type BlobFailures = Map<string, string>;

/** Key of a blob failure. */
export const blobFailureKey = (repo: RepoRef, digest: string): string => `${repoKey(repo)}@${digest}`;

/** Blob jobs in flight at once; each fans out to all its destinations. */
export const DEFAULT_BLOB_CONCURRENCY = 8;

/** Options of copyBlobs. */
export interface CopyBlobsOptions {
  concurrency?: number;
  signal?: AbortSignal;
  logger: Logger;
  /** Retries transient failures of a blob's copy (see upload.ts). */
  retry?: RetryRunner;
  /** Called when a job starts (its first request is about to go out). */
  onStart?: (job: BlobJob) => void;
  /** Called when a job has settled at every target. */
  onDone?: (job: BlobJob) => void;
  /** Called once per (job, target) as soon as that target holds the blob, or failed to get it (`error`). */
  onSettled?: (job: BlobJob, repo: RepoRef, error?: string) => void;
}

/** Copies every job's blob; failures are recorded per (repository, blob), never thrown. */
export async function copyBlobs(client: RegistryClient, jobs: readonly BlobJob[], known: BlobKnowledge, opts: CopyBlobsOptions): Promise<BlobFailures> {
  const ctx: BlobCtx = { client, known, signal: opts.signal, logger: opts.logger, ...(opts.retry ? { retry: opts.retry } : {}) };
  const failures: BlobFailures = new Map();
  const limit = pLimit(opts.concurrency ?? DEFAULT_BLOB_CONCURRENCY);
  await Promise.all(jobs.map((j) => limit(async () => (opts.onStart?.(j), await copyBlob(ctx, j, failures, opts.onSettled), opts.onDone?.(j)))));
  return failures;
}

async function copyBlob(ctx: BlobCtx, job: BlobJob, failures: BlobFailures, onSettled: CopyBlobsOptions['onSettled']): Promise<void> {
  const { digest } = job.blob;
  const settled = new Set<string>();
  const settle = (repo: RepoRef, error?: string): void => {
    if (settled.has(repoKey(repo))) return;
    settled.add(repoKey(repo));
    if (error !== undefined) failures.set(blobFailureKey(repo, digest), error);
    else ctx.known.add(repo, digest);
    onSettled?.(job, repo, error);
  };
  const s: Settle = { ok: (repo) => settle(repo), fail: (repo, err) => settle(repo, `blob ${digest}: ${errorMessage(err)}`) };
  const pending = job.targets.filter((repo) => !ctx.known.has(repo, digest));
  for (const repo of job.targets) if (!pending.includes(repo)) s.ok(repo);
  const hint = (r: RepoRef): string | undefined => job.hints.get(repoKey(r));
  const byHost = new Map<string, RepoRef[]>();
  for (const r of pending) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r]);
  // The uploader of a host is a repository with a hint, so its speculative mount may save the upload.
  for (const repos of byHost.values()) repos.sort((a, b) => Number(hint(b) !== undefined) - Number(hint(a) !== undefined));
  if (buffered(job.blob)) {
    const read = sourceBytes(ctx, job);
    await Promise.all([...byHost.values()].map((repos) => copyToHost(ctx, job, repos, s, hint, (ups) => uploadBuffered(ctx, job, ups, s, read))));
  } else {
    await copyStreamed(ctx, job, byHost, s, hint);
  }
  for (const repo of job.targets) s.fail(repo, new Error('not placed')); // no-op for every settled target
}

/**
 * One host's part of a buffered copy: mount where a repository of the host holds the blob;
 * else one repository takes the upload (after its speculative mount) and the others mount from it.
 */
async function copyToHost(
  ctx: BlobCtx,
  job: BlobJob,
  repos: RepoRef[],
  s: Settle,
  hint: (r: RepoRef) => string | undefined,
  send: (ups: Upload[]) => Promise<void>,
): Promise<void> {
  const { digest } = job.blob;
  const host = repos[0]!.host;
  const mountAll = async (rs: RepoRef[], from: string): Promise<Upload[]> => (await Promise.all(rs.map((r) => mount(ctx, job, r, from, s)))).flat();
  let from = ctx.known.mountSource(host, digest);
  if (from !== undefined) return send(await mountAll(repos, from));
  const [head, ...rest] = repos as [RepoRef, ...RepoRef[]];
  const h = hint(head);
  await send(h !== undefined ? await speculate(ctx, job, { repo: head, hint: h }, s) : [{ repo: head }]);
  if (rest.length === 0) return;
  from = ctx.known.mountSource(host, digest);
  // the host's upload failed: send the others their own copies instead
  await send(from === undefined ? rest.map((repo) => ({ repo })) : await mountAll(rest, from));
}

/** A streamed copy: mounts and speculative mounts at every host, one fanned-out upload, then the hosts' other repositories. */
async function copyStreamed(ctx: BlobCtx, job: BlobJob, byHost: Map<string, RepoRef[]>, s: Settle, hint: (r: RepoRef) => string | undefined): Promise<void> {
  const { digest } = job.blob;
  const first: Upload[] = [];
  const later: RepoRef[] = [];
  await Promise.all(
    [...byHost].map(async ([host, repos]) => {
      const from = ctx.known.mountSource(host, digest);
      if (from === undefined) {
        const h = hint(repos[0]!);
        first.push({ repo: repos[0]!, ...(h !== undefined ? { hint: h } : {}) });
        later.push(...repos.slice(1));
        return;
      }
      await Promise.all(repos.map(async (repo) => first.push(...(await mount(ctx, job, repo, from, s)))));
    }),
  );
  const firstUploads = (await Promise.all(first.map((u) => (u.hint !== undefined ? speculate(ctx, job, u, s) : [u])))).flat();
  await uploadStreamed(ctx, job, firstUploads, s);
  const retry: Upload[] = [];
  await Promise.all(
    later.map(async (repo) => {
      const from = ctx.known.mountSource(repo.host, digest);
      if (from === undefined) return void retry.push({ repo }); // the host's upload failed: send it here instead
      retry.push(...(await mount(ctx, job, repo, from, s)));
    }),
  );
  await uploadStreamed(ctx, job, retry, s);
}

/** Mounts the blob into `repo` from `from`; returns the upload still needed when the registry answers 202. */
async function mount(ctx: BlobCtx, job: BlobJob, repo: RepoRef, from: string, s: Settle): Promise<Upload[]> {
  try {
    const r = await ctx.known.guard(repo.host, () => ctx.client.mountBlob(repo, job.blob.digest, from, { signal: ctx.signal, side: 'destination' }));
    if (!r.mounted) return [{ repo, session: r.session }];
    s.ok(repo);
  } catch (err) {
    s.fail(repo, err);
  }
  return [];
}

/** Whether a mount was refused outright (no access to the from-repository, or no mount support). */
function refused(err: unknown): boolean {
  return err instanceof RegistryError && err.status !== undefined && [400, 401, 403, 404, 405].includes(err.status);
}

/** Mounts from the upload's hint: [] when mounted, else the upload (in the 202's session, or plain when refused). */
async function speculate(ctx: BlobCtx, job: BlobJob, u: Upload, s: Settle): Promise<Upload[]> {
  try {
    const r = await ctx.known.guard(u.repo.host, () => ctx.client.mountBlob(u.repo, job.blob.digest, u.hint!, { signal: ctx.signal, side: 'destination' }));
    if (!r.mounted) return [{ repo: u.repo, session: r.session }];
    s.ok(u.repo);
    return [];
  } catch (err) {
    if (refused(err)) return [{ repo: u.repo }];
    s.fail(u.repo, err);
    return [];
  }
}
