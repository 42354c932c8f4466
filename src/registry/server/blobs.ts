/**
 * Blob and upload endpoints of the in-process registry: HEAD/GET (with a single byte Range),
 * cross-repository mount, monolithic POST, chunked PATCH with Content-Range, final PUT with
 * digest verification. Request bodies stream into the store's BlobWriter (memory, or a temp
 * file renamed into place on commit) and blobs stream out, so memory stays flat for big blobs.
 * `Location` headers are relative.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { isDigest } from '../../image/ref.js';
import type { BlobWriter, RegistryStore } from '../store/store.js';
import { ApiError, readBody, sendEmpty } from './http.js';
import type { UploadSession, UploadSessions } from './uploads.js';

/** What blob handlers need. */
export interface BlobContext {
  store: RegistryStore;
  uploads: UploadSessions;
  /** Skip the digest check of uploads (a registry that trusts the client; tests only). */
  trustClientDigests?: boolean;
}

const blobLocation = (repo: string, digest: string): string => `/v2/${repo}/blobs/${digest}`;
const uploadLocation = (repo: string, id: string): string => `/v2/${repo}/blobs/uploads/${id}`;
const rangeOf = (size: number): string => `0-${Math.max(0, size - 1)}`;

/** Parses `bytes=start-end` (one range; end optional). */
function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start > end || start >= size) throw new ApiError('RANGE_INVALID', `range ${header} not satisfiable for ${size} bytes`);
  return { start, end };
}

/** Streams a request body into `writer` (and `hash`); returns the number of bytes. */
async function receive(req: IncomingMessage, writer: BlobWriter, hash?: { update(b: Uint8Array): unknown }): Promise<number> {
  let n = 0;
  // Leaving the loop early (a refused chunk) must not destroy the request: the error answer is
  // sent after the rest of the body is drained.
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    const buf = chunk as Buffer;
    await writer.write(buf);
    hash?.update(buf);
    n += buf.length;
  }
  return n;
}

/**
 * Checks that the written bytes hash to `digest` (DIGEST_INVALID otherwise). sha256 comes from
 * the running hash; another algorithm reads the bytes back.
 */
async function checkDigest(digest: string | null, writer: BlobWriter, sha256?: { copy(): { digest(enc: 'hex'): string } }, trustClient = false): Promise<string> {
  if (!digest || !isDigest(digest)) throw new ApiError('DIGEST_INVALID', `invalid or unsupported digest ${JSON.stringify(digest)}`);
  if (trustClient) return digest;
  const [alg] = digest.split(':') as [string];
  let hex: string;
  if (alg === 'sha256' && sha256) {
    hex = sha256.copy().digest('hex');
  } else {
    const h = createHash(alg);
    for await (const chunk of writer.read()) h.update(chunk);
    hex = h.digest('hex');
  }
  const actual = `${alg}:${hex}`;
  if (actual !== digest) throw new ApiError('DIGEST_INVALID', 'provided digest did not match uploaded content', { expected: digest, actual });
  return digest;
}

/** HEAD or GET /v2/<name>/blobs/<digest>. */
export async function getBlob(ctx: BlobContext, req: IncomingMessage, res: ServerResponse, repo: string, digest: string): Promise<void> {
  if (!isDigest(digest)) throw new ApiError('DIGEST_INVALID', `invalid digest ${JSON.stringify(digest)}`);
  const head = req.method === 'HEAD';
  const size = await ctx.store.statBlob(repo, digest);
  if (size === undefined) throw new ApiError('BLOB_UNKNOWN', `blob unknown to ${repo}`, { digest });
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'docker-content-digest': digest,
    'accept-ranges': 'bytes',
    etag: `"${digest}"`,
  };
  const range = req.headers.range ? parseRange(req.headers.range, size) : undefined;
  if (head) {
    res.writeHead(200, { ...headers, 'content-length': String(size) });
    res.end();
    return;
  }
  const body = await ctx.store.openBlob(repo, digest, range);
  if (!body) throw new ApiError('BLOB_UNKNOWN', `blob unknown to ${repo}`, { digest });
  if (range) {
    res.writeHead(206, { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${size}` });
  } else {
    res.writeHead(200, { ...headers, 'content-length': String(size) });
  }
  await pipeline(body, res);
}

/** DELETE /v2/<name>/blobs/<digest> (unlinks it from the repository). */
export async function deleteBlob(ctx: BlobContext, res: ServerResponse, repo: string, digest: string): Promise<void> {
  if (!isDigest(digest)) throw new ApiError('DIGEST_INVALID', `invalid digest ${JSON.stringify(digest)}`);
  if (!(await ctx.store.unlinkBlob(repo, digest))) throw new ApiError('BLOB_UNKNOWN', `blob unknown to ${repo}`, { digest });
  sendEmpty(res, 202, { 'docker-content-digest': digest });
}

/** POST /v2/<name>/blobs/uploads/: mount (`?mount=&from=`), monolithic (`?digest=`), or a new session. */
export async function startUpload(ctx: BlobContext, req: IncomingMessage, res: ServerResponse, repo: string, url: URL): Promise<void> {
  const mount = url.searchParams.get('mount');
  const from = url.searchParams.get('from');
  const digest = url.searchParams.get('digest');
  if (mount !== null && from !== null && isDigest(mount) && (await ctx.store.statBlob(from, mount)) !== undefined) {
    await readBody(req, 0);
    await ctx.store.linkBlob(repo, mount);
    sendEmpty(res, 201, { location: blobLocation(repo, mount), 'docker-content-digest': mount });
    return;
  }
  if (mount === null && digest !== null) {
    const writer = await ctx.store.createBlobWriter();
    try {
      const sha256 = createHash('sha256');
      await receive(req, writer, sha256);
      await checkDigest(digest, writer, sha256, ctx.trustClientDigests);
      await writer.commit(repo, digest);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    sendEmpty(res, 201, { location: blobLocation(repo, digest), 'docker-content-digest': digest });
    return;
  }
  await readBody(req, 0).catch(() => {
    throw new ApiError('BLOB_UPLOAD_INVALID', 'a POST that opens a session takes no body');
  });
  const s = await ctx.uploads.open(repo);
  sendEmpty(res, 202, { location: uploadLocation(repo, s.id), range: '0-0', 'docker-upload-uuid': s.id });
}

/**
 * Streams one chunk into a session, checking `Content-Range: start-end` against what was
 * received so far. A failure while bytes flow (a broken connection, a full store, a length that
 * differs from the range) drops the session: nothing of it is stored.
 */
async function appendChunk(ctx: BlobContext, req: IncomingMessage, u: UploadSession): Promise<void> {
  const cr = req.headers['content-range'];
  let want: number | undefined;
  if (cr !== undefined) {
    const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/\d+|\/\*)?$/.exec(cr.trim());
    if (!m || Number(m[1]) !== u.writer.size) {
      throw new ApiError('RANGE_INVALID', `Content-Range ${cr} does not continue the upload at ${u.writer.size}`);
    }
    want = Number(m[2]) - Number(m[1]) + 1;
  }
  try {
    const n = await receive(req, u.writer, u.sha256);
    if (want !== undefined && n !== want) throw new ApiError('RANGE_INVALID', `Content-Range ${cr} announces ${want} bytes, the body had ${n}`);
  } catch (err) {
    await ctx.uploads.discard(u);
    throw err;
  }
}

/** PATCH /v2/<name>/blobs/uploads/<id>: one chunk. */
export async function patchUpload(ctx: BlobContext, req: IncomingMessage, res: ServerResponse, repo: string, id: string): Promise<void> {
  const size = await ctx.uploads.use(repo, id, async (u) => {
    await appendChunk(ctx, req, u);
    return u.writer.size;
  });
  sendEmpty(res, 202, { location: uploadLocation(repo, id), range: rangeOf(size), 'docker-upload-uuid': id });
}

/** PUT /v2/<name>/blobs/uploads/<id>?digest=: optional last chunk, then digest check and commit. */
export async function finishUpload(ctx: BlobContext, req: IncomingMessage, res: ServerResponse, repo: string, id: string, url: URL): Promise<void> {
  const digest = await ctx.uploads.use(repo, id, async (u) => {
    await appendChunk(ctx, req, u);
    // A wrong digest leaves the session open (the client may still PUT the right one).
    const d = await checkDigest(url.searchParams.get('digest'), u.writer, u.sha256, ctx.trustClientDigests);
    try {
      ctx.uploads.finished(u);
      await u.writer.commit(repo, d);
      return d;
    } catch (err) {
      await ctx.uploads.discard(u);
      throw err;
    }
  });
  sendEmpty(res, 201, { location: blobLocation(repo, digest), 'docker-content-digest': digest });
}

/** GET /v2/<name>/blobs/uploads/<id>: progress. */
export async function uploadStatus(ctx: BlobContext, res: ServerResponse, repo: string, id: string): Promise<void> {
  const u = await ctx.uploads.get(repo, id);
  sendEmpty(res, 204, { location: uploadLocation(repo, id), range: rangeOf(u.writer.size), 'docker-upload-uuid': id });
}

/** DELETE /v2/<name>/blobs/uploads/<id>: cancels. */
export async function cancelUpload(ctx: BlobContext, res: ServerResponse, repo: string, id: string): Promise<void> {
  await ctx.uploads.discard(await ctx.uploads.get(repo, id));
  sendEmpty(res, 204);
}
