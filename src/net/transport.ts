/**
 * The HTTP seam under the registry client. The client speaks the distribution API through a
 * Transport; network policy (rate limit, adaptive concurrency, Retry-After, retry, timeouts,
 * stats) is a stack of decorators over the base undici transport, so every request gets it.
 */
import type { Readable } from 'node:stream';

/** What a request is, for per-kind stats, budgets and the benchmark's floor comparison. */
export type RequestKind =
  | 'ping'
  | 'token'
  | 'tags'
  | 'manifest-head'
  | 'manifest-get'
  | 'manifest-put'
  | 'blob-head'
  | 'blob-get'
  | 'blob-mount'
  | 'upload-start'
  | 'upload-patch'
  | 'upload-put'
  | 'referrers'
  | 'other';

/** HTTP methods the distribution API uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** One HTTP request. */
export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  /** Lower-case header names. */
  headers?: Record<string, string>;
  /**
   * Request body. A Uint8Array can be sent again (so a policy layer may retry the request);
   * a stream cannot, and its caller retries the whole operation instead.
   */
  body?: Uint8Array | Readable;
  /** Classification for stats and budgets. */
  kind: RequestKind;
  /** Aborts the request (and the reading of its response body). */
  signal?: AbortSignal;
}

/** One HTTP response. The body must be consumed or destroyed by the caller. */
export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** Sends requests. Implementations: the undici base transport and the policy decorators. */
export interface Transport {
  request(req: HttpRequest): Promise<HttpResponse>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}

/**
 * Runs an operation with retries. Operations that cannot be retried at the transport layer
 * (streamed uploads, reads whose body turns out truncated or corrupt) are retried by the
 * client through this hook; the default runs the operation once.
 */
export type RetryRunner = <T>(op: string, host: string, fn: (attempt: number) => Promise<T>) => Promise<T>;

/** Runs the operation exactly once. */
export const runOnce: RetryRunner = (_op, _host, fn) => fn(0);

/** The first value of a header. */
export function headerValue(res: { headers: HttpResponse['headers'] }, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
