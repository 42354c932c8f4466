/**
 * An in-process OCI distribution registry on node:http, for tests and the embedded demo:
 * tags (paginated), catalog, manifests, blobs, uploads (mount, monolithic, chunked), deletes,
 * and the referrers API (switchable off to mimic Distribution 2.8). Optional Basic auth
 * (fixed credentials or htpasswd), optional TLS, a byte cap for the memory store, and upload
 * sessions that expire when idle.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KpromoError } from '../../errors.js';
import { isDigest, TAG_RE } from '../../image/ref.js';
import { DirStore } from '../store/dir.js';
import { MemoryStore } from '../store/memory.js';
import type { RegistryStore } from '../store/store.js';
import { fixedCredentials, type Authenticator } from './auth.js';
import { cancelUpload, deleteBlob, finishUpload, getBlob, patchUpload, startUpload, uploadStatus, type BlobContext } from './blobs.js';
import { ApiError, closeServer, REPOSITORY_RE, sendError, sendJson } from './http.js';
import { catalog, deleteManifest, getManifest, listTags, putManifest, referrers, type ManifestContext } from './manifests.js';
import { DEFAULT_UPLOAD_IDLE_MS, UploadSessions } from './uploads.js';

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
   * Store uploads under the `?digest=` the client names without hashing them (default false).
   * Mimics a registry that does not check digests, so tests can prove a client never relies on
   * the destination to catch corrupt bytes.
   */
  trustClientDigests?: boolean;
  /** Require HTTP Basic auth decided by this function (e.g. htpasswdAuthenticator); overrides `basicAuth`. */
  authenticate?: Authenticator;
  /** Serve HTTPS with this certificate chain and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Most bytes the memory store holds (ignored with `dir` or `store`); default no cap. */
  maxBytes?: number;
  /** Idle time after which an upload session expires, in ms; default DEFAULT_UPLOAD_IDLE_MS. */
  uploadIdleMs?: number;
  /** Clock in ms for upload expiry (tests pass a fake one); default Date.now. */
  now?: () => number;
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
  /** `http://127.0.0.1:PORT` (`https://` with TLS) */
  url: string;
  store: RegistryStore;
  /** Open upload sessions. */
  readonly openUploads: number;
  /** Drops the upload sessions idle past the timeout now (a timer also does, every minute at most). */
  sweepUploads(): Promise<void>;
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
  let p: string;
  try {
    p = decodeURIComponent(url.pathname);
  } catch {
    throw new ApiError('NAME_INVALID', 'malformed percent-encoding in the request path', undefined, 400);
  }
  const m = req.method ?? 'GET';
  const read = m === 'GET' || m === 'HEAD';
  let g: RegExpExecArray | null;
  const name = (n: string): string => {
    if (!REPOSITORY_RE.test(n) || n.length > 255) throw new ApiError('NAME_INVALID', `invalid repository name ${JSON.stringify(n)}`);
    return n;
  };
  // A manifest reference is a digest or a tag; anything else is refused before any store sees it.
  const reference = (r: string): string => {
    if (isDigest(r) || TAG_RE.test(r)) return r;
    if (r.includes(':')) throw new ApiError('DIGEST_INVALID', `invalid digest ${JSON.stringify(r)}`);
    throw new ApiError('TAG_INVALID', `invalid tag ${JSON.stringify(r)}`);
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
    const [repo, ref] = [name(g[1]!), reference(g[2]!)];
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

/** Why listening failed, in words, from the error code. */
function listenReason(err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE') return 'address already in use (another process listens there; pick another port, or port 0 for a free one)';
  if (err.code === 'EACCES') return 'permission denied (ports below 1024 need privileges)';
  if (err.code === 'EADDRNOTAVAIL') return 'address not available on this machine';
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return 'unknown host';
  return err.message;
}

/** Listens on `host:port`; a failure is a LISTEN_FAILED error naming the address. */
function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      reject(new KpromoError('LISTEN_FAILED', `cannot listen on ${where}: ${listenReason(err)}`, { cause: err }));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** Starts the registry; resolves once it listens. */
export async function startRegistryServer(opts: RegistryServerOptions = {}): Promise<RegistryServer> {
  const store = opts.store ?? (opts.dir ? await DirStore.open(opts.dir) : new MemoryStore({ maxBytes: opts.maxBytes }));
  const uploadIdleMs = opts.uploadIdleMs ?? DEFAULT_UPLOAD_IDLE_MS;
  const uploads = new UploadSessions(store, { idleMs: uploadIdleMs, now: opts.now });
  const ctx: Ctx = { store, referrers: opts.referrers ?? true, uploads, trustClientDigests: opts.trustClientDigests ?? false };
  const authenticate = opts.authenticate ?? (opts.basicAuth ? fixedCredentials(opts.basicAuth) : undefined);
  const stats: RegistryServerStats = { total: 0, byKind: {} };
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const count = (k: Kind): void => {
      stats.total++;
      const key = `${method} ${k}`;
      stats.byKind[key] = (stats.byKind[key] ?? 0) + 1;
    };
    res.setHeader('docker-distribution-api-version', 'registry/2.0');
    if (authenticate && !(await authenticate(req).catch(() => false))) {
      count('other');
      req.resume();
      return sendError(res, new ApiError('UNAUTHORIZED', 'authentication required'), { 'www-authenticate': 'Basic realm="kpromo"' });
    }
    const url = new URL(req.url ?? '/', 'http://registry.invalid');
    await route(ctx, req, res, url, count).catch((err: unknown) => {
      const api = err instanceof ApiError ? err : new ApiError('UNKNOWN', err instanceof Error ? err.message : String(err));
      if (res.headersSent) {
        res.destroy();
        return;
      }
      req.resume();
      sendError(res, api);
    });
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => void handler(req, res);
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createServer(listener);
  await listen(server, opts.host ?? '127.0.0.1', opts.port ?? 0);
  const sweeper = setInterval(() => void uploads.sweep().catch(() => undefined), Math.min(uploadIdleMs, 60_000));
  sweeper.unref();
  const addr = server.address() as AddressInfo;
  const host = `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  let stopped: Promise<void> | undefined;
  return {
    host,
    url: `${opts.tls ? 'https' : 'http'}://${host}`,
    store,
    get openUploads() {
      return uploads.size;
    },
    sweepUploads: () => uploads.sweep(),
    stats,
    resetStats: () => {
      stats.total = 0;
      stats.byKind = {};
    },
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(sweeper);
        await closeServer(server);
        await uploads.closeAll();
      })()),
  };
}
