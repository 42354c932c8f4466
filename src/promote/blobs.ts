/**
 * Copies blobs to destination repositories with the fewest requests: skip what is known present,
 * HEAD only where the repository may already hold it, mount from another repository of the same
 * host, and otherwise read the source once and stream it to one repository per host at a time.
 */
import type { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { errorMessage } from '../errors.js';
import { repoKey, type RepoRef } from '../image/ref.js';
import type { Logger } from '../log.js';
import type { RegistryClient, UploadSession } from '../registry/types.js';
import { fanOut } from './fanout.js';
import type { BlobRef } from './graph.js';
import type { BlobKnowledge } from './knowledge.js';

/** One blob and every destination repository that needs it. */
export interface BlobJob {
  blob: BlobRef;
  source: RepoRef;
  targets: RepoRef[];
  /** Repositories (repoKey) that may already hold the blob: HEAD before writing. */
  probe: ReadonlySet<string>;
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

type Upload = { repo: RepoRef; session?: UploadSession };

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
  const call = { signal: ctx.signal, side: 'destination' as const };
  const fail = (repo: RepoRef, err: unknown): void => {
    ctx.failures.set(blobFailureKey(repo, digest), `blob ${digest}: ${errorMessage(err)}`);
  };
  const pending: RepoRef[] = [];
  await Promise.all(
    job.targets.map(async (repo) => {
      if (ctx.known.has(repo, digest)) return;
      if (!job.probe.has(repoKey(repo))) return void pending.push(repo);
      try {
        const found = await ctx.known.guard(repo.host, () => ctx.client.headBlob(repo, digest, call));
        if (found) ctx.known.add(repo, digest);
        else pending.push(repo);
      } catch (err) {
        fail(repo, err);
      }
    }),
  );
  // Per host: mount where a repository already holds it; else one repository takes the upload
  // and the others of that host mount from it afterwards.
  const first: Upload[] = [];
  const later: RepoRef[] = [];
  const byHost = new Map<string, RepoRef[]>();
  for (const r of pending) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r]);
  await Promise.all(
    [...byHost].map(async ([host, repos]) => {
      const from = ctx.known.mountSource(host, digest);
      if (from === undefined) {
        first.push({ repo: repos[0]! });
        later.push(...repos.slice(1));
        return;
      }
      await Promise.all(repos.map(async (repo) => first.push(...(await mount(ctx, job, repo, from, fail)))));
    }),
  );
  await upload(ctx, job, first, fail);
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
