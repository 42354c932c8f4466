/**
 * HTTP plumbing of the in-process registry: spec error bodies, JSON answers, bounded body
 * reads and `n`/`last` pagination with a `Link` header.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Refusal as ApiError } from '../store/admit.js';

/** Errors answered with a spec body: the store's Refusal, under the server's name. */
export { ApiError };
/** Verifies uploaded bytes against a digest (DIGEST_INVALID). */
export { verifyDigest } from '../store/admit.js';

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

/** Stops an HTTP server: refuses new connections, drops idle and active ones, resolves once closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
