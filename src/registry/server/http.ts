/**
 * HTTP plumbing of the in-process registry: spec error bodies, JSON answers, bounded body
 * reads, digest checks and `n`/`last` pagination with a `Link` header.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDigest } from '../../image/ref.js';

/** Spec error codes and their HTTP statuses (distribution-spec, "Error Codes"). */
const STATUS: Record<string, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  RANGE_INVALID: 416,
  UNKNOWN: 500,
};

/** An error answered as `{errors:[{code,message,detail}]}` with the code's status. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: string,
    message: string,
    readonly detail?: unknown,
    status?: number,
  ) {
    super(message);
    this.status = status ?? STATUS[code] ?? 500;
  }
}

/** Repository name grammar of the distribution spec. */
export const REPOSITORY_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/** Writes a spec error body (HEAD answers carry the status and headers only). */
export function sendError(res: ServerResponse, err: ApiError, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ errors: [{ code: err.code, message: err.message, ...(err.detail !== undefined ? { detail: err.detail } : {}) }] });
  res.writeHead(err.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Writes an empty answer with headers. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': '0', ...headers });
  res.end();
}

/** Reads a request body, refusing more than `cap` bytes (SIZE_INVALID). */
export async function readBody(req: IncomingMessage, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > cap) throw new ApiError('SIZE_INVALID', `body larger than ${cap} bytes`, undefined, 413);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/** Checks that `expected` is a supported digest and that `bytes` hash to it (DIGEST_INVALID). */
export function verifyDigest(expected: string | null, bytes: Uint8Array): string {
  if (!expected || !isDigest(expected)) throw new ApiError('DIGEST_INVALID', `invalid or unsupported digest ${JSON.stringify(expected)}`);
  const [alg] = expected.split(':') as [string];
  const actual = `${alg}:${createHash(alg).update(bytes).digest('hex')}`;
  if (actual !== expected) throw new ApiError('DIGEST_INVALID', 'provided digest did not match uploaded content', { expected, actual });
  return actual;
}

/** sha256 digest of bytes. */
export function sha256Of(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * One page of a sorted list after `last`, at most `n` entries (all when `n` is absent), and
 * the `Link` header of the next page when more remain.
 */
export function paginate(all: readonly string[], url: URL, path: string): { page: string[]; link?: string } {
  const nParam = url.searchParams.get('n');
  const last = url.searchParams.get('last');
  const rest = last === null ? [...all] : all.filter((x) => x > last);
  if (nParam === null) return { page: rest };
  const n = Number(nParam);
  if (!Number.isInteger(n) || n < 0) throw new ApiError('UNSUPPORTED', `invalid n=${nParam}`, undefined, 400);
  const page = rest.slice(0, n);
  if (rest.length <= n || page.length === 0) return { page };
  const next = new URLSearchParams({ n: String(n), last: page[page.length - 1]! });
  return { page, link: `<${path}?${next.toString()}>; rel="next"` };
}
