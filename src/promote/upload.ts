/**
 * Sending a blob's bytes to destination repositories, read from the source once: buffered (a
 * small blob is read into memory once and sent to each host whenever that host is ready, so a
 * host paused by Retry-After holds up no other) or streamed (a large blob fans out to every
 * target at once, with backpressure). Every target settles as soon as its own upload ends.
 * Transient failures (429, 5xx, resets, timeouts, a truncated or corrupt source read) are
 * retried through the run's RetryRunner: a buffered read is read again; a streamed blob is read
 * again from the source once per round and fanned out to the targets that failed, so the source
 * is read exactly once per blob when nothing fails.
 */
import type { Readable } from 'node:stream';
import type { RepoRef } from '../image/ref.js';
import type { Logger } from '../log.js';
import { runOnce, type RetryRunner } from '../net/transport.js';
import { isTransient } from '../registry/errors.js';
import type { RegistryClient, UploadSession } from '../registry/types.js';
import { fanOut } from './fanout.js';
import type { BlobRef } from './graph.js';
import type { BlobKnowledge } from './knowledge.js';

/** What a blob copy works with. */
export interface BlobCtx {
  client: RegistryClient;
  known: BlobKnowledge;
  signal?: AbortSignal;
  logger: Logger;
  /** Retries transient failures of whole blob copies (default: once, no retry). */
  retry?: RetryRunner;
}

/** The blob being copied and where it is read from. */
export interface BlobSource {
  blob: BlobRef;
  source: RepoRef;
}

/** How one job records each target's outcome: placed, or failed. Each target settles once. */
export interface Settle {
  ok(repo: RepoRef): void;
  fail(repo: RepoRef, err: unknown): void;
}

/** One upload to make: into a session a mount answer opened (202), or a fresh one. */
export type Upload = { repo: RepoRef; session?: UploadSession; hint?: string };

/** Blobs up to this size are read into memory once and sent from there (configs, small layers). */
export const SMALL_BLOB_BYTES = 1024 * 1024;

/** Whether a blob is copied from memory (known size, at most SMALL_BLOB_BYTES). */
export const buffered = (b: BlobRef): boolean => b.size >= 0 && b.size <= SMALL_BLOB_BYTES;

function openSource(ctx: BlobCtx, job: BlobSource): Promise<Readable> {
  const { digest, size } = job.blob;
  return ctx.client.getBlob(job.source, digest, { signal: ctx.signal, side: 'source', ...(size >= 0 ? { size } : {}) });
}

/**
 * The blob's bytes, read on first call and shared by every later one; a failed read is not
 * kept, so a later caller (e.g. another host) tries again.
 */
export function sourceBytes(ctx: BlobCtx, job: BlobSource): () => Promise<Uint8Array> {
  let pending: Promise<Uint8Array> | undefined;
  return () => {
    if (pending) return pending;
    const p = (ctx.retry ?? runOnce)('read blob', job.source.host, () => openSource(ctx, job).then(readAll));
    p.catch(() => void (pending === p && (pending = undefined)));
    return (pending = p);
  };
}

async function send(ctx: BlobCtx, job: BlobSource, t: Upload, s: Settle, body: Uint8Array | Readable): Promise<void> {
  const { digest, size } = job.blob;
  const length = size >= 0 ? size : body instanceof Uint8Array ? body.byteLength : -1;
  await ctx.known.guard(
    t.repo.host,
    () =>
      ctx.client.uploadBlob(t.repo, { digest, size: length }, body, {
        signal: ctx.signal,
        side: 'destination',
        ...(t.session ? { session: t.session } : {}),
      }),
    body instanceof Uint8Array,
  );
  s.ok(t.repo);
}

/**
 * Uploads the bytes `read` gives to every target. Targets without a session open one while the
 * bytes are read, so the upload's PUT follows the read instead of waiting for a POST after it.
 */
export async function uploadBuffered(ctx: BlobCtx, job: BlobSource, targets: Upload[], s: Settle, read: () => Promise<Uint8Array>): Promise<void> {
  if (targets.length === 0) return;
  const reading = read();
  const opened = targets.map((t) => openSession(ctx, t));
  let bytes: Uint8Array;
  try {
    bytes = await reading;
  } catch (err) {
    for (const t of targets) s.fail(t.repo, err);
    await abandon(ctx, await Promise.all(opened));
    return;
  }
  const results = await Promise.allSettled(opened.map(async (t) => send(ctx, job, await t, s, bytes)));
  results.forEach((r, i) => r.status === 'rejected' && s.fail(targets[i]!.repo, r.reason));
}

/** `t` with a session of its own (opened now when the client can), or as it is; never throws (the upload reports). */
async function openSession(ctx: BlobCtx, t: Upload): Promise<Upload> {
  const start = ctx.client.startUpload?.bind(ctx.client);
  if (t.session || !start) return t;
  try {
    return { ...t, session: await ctx.known.guard(t.repo.host, () => start(t.repo, { signal: ctx.signal, side: 'destination' })) };
  } catch {
    return t; // the upload opens its own session, and fails there if the host is down
  }
}

/** Cancels the targets' upload sessions no bytes will go into (best effort). */
async function abandon(ctx: BlobCtx, targets: readonly Upload[]): Promise<void> {
  const cancel = ctx.client.cancelUpload?.bind(ctx.client);
  if (!cancel) return;
  await Promise.all(targets.flatMap((t) => (t.session ? [cancel(t.session, { signal: ctx.signal, side: 'destination' })] : [])));
}

/**
 * Reads the blob from the source once and streams it to every target at once; targets that
 * failed transiently get another round (a new source read fanned out to them alone, in fresh
 * upload sessions) as long as the RetryRunner allows.
 */
export async function uploadStreamed(ctx: BlobCtx, job: BlobSource, targets: Upload[], s: Settle): Promise<void> {
  if (targets.length === 0) return;
  let pending = targets;
  const errors = new Map<string, unknown>();
  try {
    await (ctx.retry ?? runOnce)('copy blob', job.source.host, async (attempt) => {
      // a failed round's upload sessions are spent: later rounds open fresh ones
      const round = attempt === 0 ? pending : pending.map((t) => ({ repo: t.repo }));
      const body = await openSource(ctx, job).catch(async (err: unknown) => {
        await abandon(ctx, round);
        throw err;
      });
      const results = await fanOut(body, round.map((t) => (b: Readable) => send(ctx, job, t, s, b)));
      const again: Upload[] = [];
      let last: unknown;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') return;
        const t = round[i]!;
        if (!isTransient(r.reason)) return s.fail(t.repo, r.reason);
        again.push(t);
        errors.set(repoKeyOf(t.repo), (last = r.reason));
      });
      pending = again;
      if (again.length > 0) throw last;
    });
  } catch (err) {
    for (const t of pending) {
      const own = errors.get(repoKeyOf(t.repo)) ?? err;
      ctx.known.markUnreachable(t.repo.host, own);
      s.fail(t.repo, own);
    }
  }
}

const repoKeyOf = (r: RepoRef): string => `${r.host}/${r.repository}`;

async function readAll(s: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
