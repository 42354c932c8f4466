/**
 * Copies blobs to destination repositories with the fewest requests: skip what is known present,
 * mount from a repository of the same host known to hold it, and otherwise read the source once
 * and stream it to one repository per host, the others of that host mounting from it afterwards.
 * That one upload opens with a speculative mount from the repository most likely to hold the
 * blob (its `hint`): Distribution answers 201 (present: done, no bytes sent) or 202 with the
 * upload session the upload then uses, so the guess costs nothing; a refused mount (401/403/404)
 * falls back to a plain upload. This replaces a HEAD probe (HEAD + POST + PUT when absent).
 */
import type { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { errorMessage } from '../errors.js';
import { repoKey, type RepoRef } from '../image/ref.js';
import type { Logger } from '../log.js';
import { RegistryError } from '../registry/errors.js';
import type { RegistryClient, UploadSession } from '../registry/types.js';
import { fanOut } from './fanout.js';
import type { BlobRef } from './graph.js';
import type { BlobKnowledge } from './knowledge.js';

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

/** Blobs up to this size are read into memory once and sent from there (configs, small layers). */
export const SMALL_BLOB_BYTES = 1024 * 1024;

/** Blob jobs in flight at once; each fans out to all its destinations. */
export const DEFAULT_BLOB_CONCURRENCY = 8;

interface Ctx {
  client: RegistryClient;
  known: BlobKnowledge;
  failures: BlobFailures;
  signal?: AbortSignal;
  logger: Logger;
}

type Upload = { repo: RepoRef; session?: UploadSession; hint?: string };

/** Copies every job's blob; failures are recorded per (repository, blob), never thrown. */
export async function copyBlobs(
  client: RegistryClient,
  jobs: readonly BlobJob[],
  known: BlobKnowledge,
  opts: { concurrency?: number; signal?: AbortSignal; logger: Logger; onDone?: (job: BlobJob) => void },
): Promise<BlobFailures> {
  const ctx: Ctx = { client, known, failures: new Map(), signal: opts.signal, logger: opts.logger };
  const limit = pLimit(opts.concurrency ?? DEFAULT_BLOB_CONCURRENCY);
  await Promise.all(jobs.map((j) => limit(async () => (await copyBlob(ctx, j), opts.onDone?.(j)))));
  return ctx.failures;
}

async function copyBlob(ctx: Ctx, job: BlobJob): Promise<void> {
  const { digest } = job.blob;
  const fail = (repo: RepoRef, err: unknown): void => {
    ctx.failures.set(blobFailureKey(repo, digest), `blob ${digest}: ${errorMessage(err)}`);
  };
  const pending = job.targets.filter((repo) => !ctx.known.has(repo, digest));
  const hint = (r: RepoRef): string | undefined => job.hints.get(repoKey(r));
  // Per host: mount where a repository already holds it; else one repository takes the upload
  // and the others of that host mount from it afterwards.
  const first: Upload[] = [];
  const later: RepoRef[] = [];
  const byHost = new Map<string, RepoRef[]>();
  for (const r of pending) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r]);
  // The uploader of a host is a repository with a hint, so its speculative mount may save the upload.
  for (const repos of byHost.values()) repos.sort((a, b) => Number(hint(b) !== undefined) - Number(hint(a) !== undefined));
  await Promise.all(
    [...byHost].map(async ([host, repos]) => {
      const from = ctx.known.mountSource(host, digest);
      if (from === undefined) {
        const h = hint(repos[0]!);
        first.push({ repo: repos[0]!, ...(h !== undefined ? { hint: h } : {}) });
        later.push(...repos.slice(1));
        return;
      }
      await Promise.all(repos.map(async (repo) => first.push(...(await mount(ctx, job, repo, from, fail)))));
    }),
  );
  const firstUploads = (await Promise.all(first.map((u) => (u.hint !== undefined ? speculate(ctx, job, u, fail) : [u])))).flat();
  await upload(ctx, job, firstUploads, fail);
  const retry: Upload[] = [];
  await Promise.all(
    later.map(async (repo) => {
      const from = ctx.known.mountSource(repo.host, digest);
      if (from === undefined) return void retry.push({ repo }); // the host's upload failed: send it here instead
      retry.push(...(await mount(ctx, job, repo, from, fail)));
    }),
  );
  await upload(ctx, job, retry, fail);
}

/** Mounts the blob into `repo` from `from`; returns the upload still needed when the registry answers 202. */
async function mount(
  ctx: Ctx,
  job: BlobJob,
  repo: RepoRef,
  from: string,
  fail: (r: RepoRef, e: unknown) => void,
): Promise<Upload[]> {
  const { digest } = job.blob;
  try {
    const r = await ctx.known.guard(repo.host, () =>
      ctx.client.mountBlob(repo, digest, from, { signal: ctx.signal, side: 'destination' }),
    );
    if (!r.mounted) return [{ repo, session: r.session }];
    ctx.known.add(repo, digest);
  } catch (err) {
    fail(repo, err);
  }
  return [];
}

/** Whether a mount was refused outright (no access to the from-repository, or no mount support). */
function refused(err: unknown): boolean {
  return err instanceof RegistryError && err.status !== undefined && [400, 401, 403, 404, 405].includes(err.status);
}

/** Mounts from the upload's hint: [] when mounted, else the upload (in the 202's session, or plain when refused). */
async function speculate(ctx: Ctx, job: BlobJob, u: Upload, fail: (r: RepoRef, e: unknown) => void): Promise<Upload[]> {
  const { digest } = job.blob;
  try {
    const r = await ctx.known.guard(u.repo.host, () =>
      ctx.client.mountBlob(u.repo, digest, u.hint!, { signal: ctx.signal, side: 'destination' }),
    );
    if (!r.mounted) return [{ repo: u.repo, session: r.session }];
    ctx.known.add(u.repo, digest);
    return [];
  } catch (err) {
    if (refused(err)) return [{ repo: u.repo }];
    fail(u.repo, err);
    return [];
  }
}

/** Reads the blob from the source once and uploads it to every target (in memory when small, else streamed). */
async function upload(ctx: Ctx, job: BlobJob, targets: Upload[], fail: (r: RepoRef, e: unknown) => void): Promise<void> {
  if (targets.length === 0) return;
  const { digest, size } = job.blob;
  let body: Readable;
  try {
    body = await ctx.client.getBlob(job.source, digest, {
      signal: ctx.signal,
      side: 'source',
      ...(size >= 0 ? { size } : {}),
    });
  } catch (err) {
    for (const t of targets) fail(t.repo, err);
    return;
  }
  const send = (t: Upload) => (bytes: Uint8Array | Readable) =>
    ctx.known.guard(t.repo.host, () =>
      ctx.client.uploadBlob(t.repo, { digest, size: size >= 0 ? size : bytesLength(bytes) }, bytes, {
        signal: ctx.signal,
        side: 'destination',
        ...(t.session ? { session: t.session } : {}),
      }),
    );
  let results: PromiseSettledResult<void>[];
  if (size >= 0 && size <= SMALL_BLOB_BYTES) {
    let bytes: Uint8Array;
    try {
      bytes = await readAll(body);
    } catch (err) {
      for (const t of targets) fail(t.repo, err);
      return;
    }
    results = await Promise.allSettled(targets.map((t) => send(t)(bytes)));
  } else {
    results = await fanOut(body, targets.map(send));
  }
  results.forEach((r, i) => {
    const t = targets[i]!;
    if (r.status === 'fulfilled') ctx.known.add(t.repo, digest);
    else fail(t.repo, r.reason);
  });
}

function bytesLength(b: Uint8Array | Readable): number {
  return b instanceof Uint8Array ? b.byteLength : -1;
}

async function readAll(s: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
