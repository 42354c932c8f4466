/**
 * An in-process OCI distribution registry on node:http, for tests and the embedded demo:
 * tags (paginated), catalog, manifests, blobs, uploads (mount, monolithic, chunked), deletes,
 * and the referrers API (switchable off to mimic Distribution 2.8). Optional Basic auth.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DirStore } from '../store/dir.js';
import { MemoryStore } from '../store/memory.js';
import type { RegistryStore } from '../store/store.js';
import { cancelUpload, deleteBlob, finishUpload, getBlob, patchUpload, startUpload, uploadStatus, type BlobContext } from './blobs.js';
import { ApiError, closeServer, REPOSITORY_RE, sendError, sendJson } from './http.js';
import { catalog, deleteManifest, getManifest, listTags, putManifest, referrers, type ManifestContext } from './manifests.js';

/** Options of the in-process registry. */
export interface RegistryServerOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (a free one). */
  port?: number;
  /** Keep content in this directory instead of memory. */
  dir?: string;
  /** Use this store (e.g. one shared with an in-memory client); overrides `dir`. */
  store?: RegistryStore;
  /** Serve the referrers API and `OCI-Subject`; default true. False mimics Distribution 2.8. */
  referrers?: boolean;
  /** Require HTTP Basic auth with these credentials. */
  basicAuth?: { username: string; password: string };
  /**
   * Check that an uploaded blob hashes to its `?digest=` (default true). False stores whatever
   * bytes arrive under the digest the client names, so a test can tell whether the client
   * itself refused corrupt content.
   */
  verifyBlobDigests?: boolean;
}

/** Request counts by `"<METHOD> <kind>"`, e.g. `"PUT manifest"`, `"POST upload"`. */
export interface RegistryServerStats {
  total: number;
  byKind: Record<string, number>;
}

/** A running in-process registry. */
export interface RegistryServer {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  store: RegistryStore;
  /** Requests served so far. */
  readonly stats: RegistryServerStats;
  resetStats(): void;
  stop(): Promise<void>;
}

/** What a route needs to run. */
type Ctx = ManifestContext & BlobContext;

/** Route kinds, for stats. */
type Kind = 'ping' | 'catalog' | 'tags' | 'manifest' | 'blob' | 'upload' | 'referrers' | 'other';

/** Matches a request path to a handler; the repository name is checked against the grammar. */
async function route(ctx: Ctx, req: IncomingMessage, res: ServerResponse, url: URL, count: (k: Kind) => void): Promise<void> {
  const p = decodeURIComponent(url.pathname);
  const m = req.method ?? 'GET';
  const read = m === 'GET' || m === 'HEAD';
  let g: RegExpExecArray | null;
  const name = (n: string): string => {
    if (!REPOSITORY_RE.test(n) || n.length > 255) throw new ApiError('NAME_INVALID', `invalid repository name ${JSON.stringify(n)}`);
    return n;
  };
  const unsupported = (): never => {
    throw new ApiError('UNSUPPORTED', `${m} not supported on ${p}`);
  };
  if (/^\/v2\/?$/.test(p)) {
    count('ping');
    return read ? sendJson(res, 200, {}) : unsupported();
  }
  if (p === '/v2/_catalog') {
    count('catalog');
    return read ? catalog(ctx, res, url) : unsupported();
  }
  if ((g = /^\/v2\/(.+)\/tags\/list$/.exec(p))) {
    count('tags');
    return read ? listTags(ctx, res, name(g[1]!), url) : unsupported();
  }
  if ((g = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(p))) {
    count('manifest');
    const [repo, ref] = [name(g[1]!), g[2]!];
    if (read) return getManifest(ctx, req, res, repo, ref);
    if (m === 'PUT') return putManifest(ctx, req, res, repo, ref);
    if (m === 'DELETE') return deleteManifest(ctx, res, repo, ref);
    return unsupported();
  }
  if ((g = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(p))) {
    count('upload');
    return m === 'POST' ? startUpload(ctx, req, res, name(g[1]!), url) : unsupported();
  }
  if ((g = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/.exec(p))) {
    count('upload');
    const [repo, id] = [name(g[1]!), g[2]!];
    if (m === 'PATCH') return patchUpload(ctx, req, res, repo, id);
    if (m === 'PUT') return finishUpload(ctx, req, res, repo, id, url);
    if (m === 'GET') return uploadStatus(ctx, res, repo, id);
    if (m === 'DELETE') return cancelUpload(ctx, res, repo, id);
    return unsupported();
  }
  if ((g = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(p))) {
    count('blob');
    const [repo, digest] = [name(g[1]!), g[2]!];
    if (read) return getBlob(ctx, req, res, repo, digest);
    if (m === 'DELETE') return deleteBlob(ctx, res, repo, digest);
    return unsupported();
  }
  if ((g = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(p))) {
    count('referrers');
    return m === 'GET' ? referrers(ctx, res, name(g[1]!), g[2]!, url) : unsupported();
  }
  count('other');
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('404 page not found\n');
}

/** Whether the request carries the expected Basic credentials. */
function authorized(req: IncomingMessage, creds: { username: string; password: string }): boolean {
  const h = req.headers.authorization ?? '';
  if (!h.startsWith('Basic ')) return false;
  return Buffer.from(h.slice(6), 'base64').toString('utf8') === `${creds.username}:${creds.password}`;
}

/** Starts the registry; resolves once it listens. */
export async function startRegistryServer(opts: RegistryServerOptions = {}): Promise<RegistryServer> {
  const store = opts.store ?? (opts.dir ? new DirStore(opts.dir) : new MemoryStore());
  const ctx: Ctx = { store, referrers: opts.referrers ?? true, uploads: new Map(), verifyBlobDigests: opts.verifyBlobDigests ?? true };
  const stats: RegistryServerStats = { total: 0, byKind: {} };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const count = (k: Kind): void => {
      stats.total++;
      const key = `${method} ${k}`;
      stats.byKind[key] = (stats.byKind[key] ?? 0) + 1;
    };
    res.setHeader('docker-distribution-api-version', 'registry/2.0');
    if (opts.basicAuth && !authorized(req, opts.basicAuth)) {
      count('other');
      req.resume();
      return sendError(res, new ApiError('UNAUTHORIZED', 'authentication required'), { 'www-authenticate': 'Basic realm="kpromo"' });
    }
    const url = new URL(req.url ?? '/', 'http://registry.invalid');
    route(ctx, req, res, url, count).catch((err: unknown) => {
      const api = err instanceof ApiError ? err : new ApiError('UNKNOWN', err instanceof Error ? err.message : String(err));
      if (res.headersSent) {
        res.destroy();
        return;
      }
      req.resume();
      sendError(res, api);
    });
  };
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  let stopped: Promise<void> | undefined;
  return {
    host,
    url: `http://${host}`,
    store,
    stats,
    resetStats: () => {
      stats.total = 0;
      stats.byKind = {};
    },
    stop: () => (stopped ??= closeServer(server)),
  };
}
