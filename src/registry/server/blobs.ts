/**
 * Blob and upload endpoints of the in-process registry: HEAD/GET (with a single byte Range),
 * cross-repository mount, monolithic POST, chunked PATCH with Content-Range, final PUT with
 * digest verification. Upload sessions live in memory; `Location` headers are relative.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDigest } from '../../image/ref.js';
import type { RegistryStore } from '../store/store.js';
import { ApiError, readBody, sendEmpty, verifyDigest } from './http.js';

/** Largest blob accepted in one request (test content is small). */
const MAX_BLOB = 1024 * 1024 * 1024;

/** An open upload. */
interface Upload {
  repo: string;
  chunks: Buffer[];
  size: number;
}

/** What blob handlers need. */
export interface BlobContext {
  store: RegistryStore;
  uploads: Map<string, Upload>;
  /** Check that uploaded bytes hash to the `?digest=` they are stored under (false: trust the client). */
  verifyBlobDigests: boolean;
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
  const bytes = (await ctx.store.getBlob(repo, digest))!;
  if (range) {
    const part = bytes.subarray(range.start, range.end + 1);
    res.writeHead(206, { ...headers, 'content-length': String(part.length), 'content-range': `bytes ${range.start}-${range.end}/${size}` });
    res.end(part);
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(bytes.length) });
  res.end(bytes);
}

/** DELETE /v2/<name>/blobs/<digest> (unlinks it from the repository). */
export async function deleteBlob(ctx: BlobContext, res: ServerResponse, repo: string, digest: string): Promise<void> {
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
    const bytes = await readBody(req, MAX_BLOB);
    if (ctx.verifyBlobDigests) verifyDigest(digest, bytes);
    else if (!isDigest(digest)) throw new ApiError('DIGEST_INVALID', `invalid digest ${JSON.stringify(digest)}`);
    await ctx.store.putBlob(repo, digest, bytes);
    sendEmpty(res, 201, { location: blobLocation(repo, digest), 'docker-content-digest': digest });
    return;
  }
  await readBody(req, 0).catch(() => {
    throw new ApiError('BLOB_UPLOAD_INVALID', 'a POST that opens a session takes no body');
  });
  const id = randomUUID();
  ctx.uploads.set(id, { repo, chunks: [], size: 0 });
  sendEmpty(res, 202, { location: uploadLocation(repo, id), range: '0-0', 'docker-upload-uuid': id });
}

/** The session `id` of `repo`, or BLOB_UPLOAD_UNKNOWN. */
function session(ctx: BlobContext, repo: string, id: string): Upload {
  const u = ctx.uploads.get(id);
  if (!u || u.repo !== repo) throw new ApiError('BLOB_UPLOAD_UNKNOWN', `upload ${id} unknown to ${repo}`);
  return u;
}

/** Appends a chunk, checking `Content-Range: start-end` against what was received so far. */
async function appendChunk(req: IncomingMessage, u: Upload): Promise<void> {
  const bytes = await readBody(req, MAX_BLOB);
  const cr = req.headers['content-range'];
  if (cr !== undefined) {
    const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/\d+|\/\*)?$/.exec(cr.trim());
    if (!m || Number(m[1]) !== u.size || Number(m[2]) - Number(m[1]) + 1 !== bytes.length) {
      throw new ApiError('RANGE_INVALID', `Content-Range ${cr} does not continue the upload at ${u.size}`);
    }
  }
  if (bytes.length) {
    u.chunks.push(bytes);
    u.size += bytes.length;
  }
}

/** PATCH /v2/<name>/blobs/uploads/<id>: one chunk. */
export async function patchUpload(ctx: BlobContext, req: IncomingMessage, res: ServerResponse, repo: string, id: string): Promise<void> {
  const u = session(ctx, repo, id);
  await appendChunk(req, u);
  sendEmpty(res, 202, { location: uploadLocation(repo, id), range: rangeOf(u.size), 'docker-upload-uuid': id });
}

/** PUT /v2/<name>/blobs/uploads/<id>?digest=: optional last chunk, then digest check and commit. */
export async function finishUpload(ctx: BlobContext, req: IncomingMessage, res: ServerResponse, repo: string, id: string, url: URL): Promise<void> {
  const u = session(ctx, repo, id);
  await appendChunk(req, u);
  const digest = url.searchParams.get('digest');
  const bytes = Buffer.concat(u.chunks, u.size);
  if (ctx.verifyBlobDigests) verifyDigest(digest, bytes);
  else if (!digest || !isDigest(digest)) throw new ApiError('DIGEST_INVALID', `invalid digest ${JSON.stringify(digest)}`);
  ctx.uploads.delete(id);
  await ctx.store.putBlob(repo, digest!, bytes);
  sendEmpty(res, 201, { location: blobLocation(repo, digest!), 'docker-content-digest': digest! });
}

/** GET /v2/<name>/blobs/uploads/<id>: progress. */
export function uploadStatus(ctx: BlobContext, res: ServerResponse, repo: string, id: string): void {
  const u = session(ctx, repo, id);
  sendEmpty(res, 204, { location: uploadLocation(repo, id), range: rangeOf(u.size), 'docker-upload-uuid': id });
}

/** DELETE /v2/<name>/blobs/uploads/<id>: cancels. */
export function cancelUpload(ctx: BlobContext, res: ServerResponse, repo: string, id: string): void {
  session(ctx, repo, id);
  ctx.uploads.delete(id);
  sendEmpty(res, 204);
}
