/**
 * The distribution-spec client over a Transport: every RegistryClient operation, with the full
 * Accept list on manifest requests, Link pagination, digest verification of everything read,
 * and the scopes each request needs (pull for source reads, pull,push for the destination).
 */
import type { Readable } from 'node:stream';
import { isDigest, type Digest, type RepoRef } from '../../image/ref.js';
import { nullLogger, type Logger } from '../../log.js';
import { headerValue, runOnce, type RetryRunner, type Transport } from '../../net/transport.js';
import { createHttpTransport, type HttpTransportOptions } from '../../net/http-transport.js';
import { discard, readPrefix, verifyStream } from '../digest.js';
import { RegistryError, parseDiagnostics } from '../errors.js';
import {
  MANIFEST_ACCEPT,
  MAX_MANIFEST_BYTES,
  MediaTypes,
  type CallOptions,
  type Descriptor,
  type FetchedManifest,
  type ManifestInfo,
  type MountResult,
  type ReferrersOptions,
  type RegistryClient,
  type TagList,
  type UploadSession,
} from '../types.js';
import { Authenticator, repoScope } from './auth.js';
import { anonymous, type CredentialStore } from './credentials.js';
import { checkManifest, referrersTag } from './manifest.js';
import { Session, type Call } from './session.js';
import { abandonUpload, mountBlob, openUpload, uploadBlob } from './upload.js';
import { assertManifestSize, putManifestWhere, refString } from '../where.js';
import { forEachPage, listPages, readBody } from './lists.js';
import { addTagListPage, emptyTagList } from '../tag-list.js';
import { repoPath } from './urls.js';
import { indexEntries } from '../manifest-json.js';

/** Options of the HTTP registry client. */
export interface HttpRegistryClientOptions {
  /** The transport (with policy decorators); default: a new undici transport. */
  transport?: Transport;
  /** Retries whole operations the transport cannot (streamed uploads, corrupt reads). */
  retry?: RetryRunner;
  credentials?: CredentialStore;
  logger?: Logger;
  /** Hosts spoken to over plain HTTP although not loopback. */
  insecureRegistries?: string[];
  /** Hosts spoken to over HTTPS although loopback (a local TLS registry). */
  secureRegistries?: string[];
  /** Extra CA file, used when the client creates its own transport. */
  caFile?: string;
  /** Options of the transport the client creates when none is given. */
  transportOptions?: HttpTransportOptions;
  /** Clock for token expiry (tests). */
  now?: () => number;
}

/** Creates the registry client for real registries. */
export function createHttpRegistryClient(options: HttpRegistryClientOptions = {}): RegistryClient {
  return new HttpRegistryClient(options);
}

/** The RegistryClient for real registries. */
export class HttpRegistryClient implements RegistryClient {
  private readonly transport: Transport;
  private readonly ownsTransport: boolean;
  private readonly session: Session;
  private readonly auth: Authenticator;
  private readonly retry: RetryRunner;
  /** Hosts seen to lack the referrers API. */
  private readonly noReferrersApi = new Set<string>();
  /** Hosts seen to answer the referrers API. */
  private readonly referrersApi = new Set<string>();

  constructor(options: HttpRegistryClientOptions = {}) {
    this.ownsTransport = !options.transport;
    this.transport = options.transport ?? createHttpTransport({ ...options.transportOptions, caFile: options.caFile ?? options.transportOptions?.caFile });
    this.auth = new Authenticator({
      transport: this.transport,
      credentials: options.credentials ?? anonymous,
      now: options.now,
      insecureRegistries: options.insecureRegistries ?? [],
    });
    this.session = new Session(this.transport, this.auth, options.logger ?? nullLogger, options.insecureRegistries ?? [], options.secureRegistries ?? []);
    this.retry = options.retry ?? runOnce;
  }

  async ping(host: string, opts: CallOptions = {}): Promise<void> {
    await this.session.ping(host, opts, true);
    if (!this.auth.challenged(host)) return;
    // prove the credentials work: the same GET /v2/ with them (a wrong password is a 401 here)
    const res = await this.session.send({ op: 'ping', reference: host, host, method: 'GET', url: this.session.base(host), kind: 'ping', scopes: [], ok: [], ...opts });
    discard(res.body);
  }

  async catalog(host: string, opts: CallOptions = {}): Promise<string[]> {
    const url = new URL('_catalog', this.session.base(host));
    url.searchParams.set('n', '1000');
    const call = { op: 'catalog', reference: host, host, scopes: ['registry:catalog:*'], ...opts };
    return this.retry('catalog', host, () => listPages(this.session, call, url, (body) => strings((body as { repositories?: unknown }).repositories)));
  }

  async listTags(repo: RepoRef, opts: CallOptions = {}): Promise<string[]> {
    const url = new URL(`${repoPath(repo.repository)}/tags/list`, this.session.base(repo.host));
    const call = { op: 'list tags', reference: refString(repo), host: repo.host, scopes: [this.readScope(repo, opts)], ...opts };
    return this.retry('list tags', repo.host, () => listPages(this.session, call, url, (body) => strings((body as { tags?: unknown }).tags), true));
  }

  async tagList(repo: RepoRef, opts: CallOptions = {}): Promise<TagList> {
    const url = new URL(`${repoPath(repo.repository)}/tags/list`, this.session.base(repo.host));
    const call = { op: 'list tags', reference: refString(repo), host: repo.host, scopes: [this.readScope(repo, opts)], ...opts };
    return this.retry('list tags', repo.host, async () => {
      const out = emptyTagList();
      await forEachPage(this.session, call, url, (body) => addTagListPage(out, body), true);
      return out;
    });
  }

  async headManifest(repo: RepoRef, reference: string, opts: CallOptions = {}): Promise<ManifestInfo | undefined> {
    const res = await this.session.send(this.manifestCall(repo, reference, 'HEAD', opts));
    discard(res.body);
    if (res.status === 404) return undefined;
    const header = headerValue(res, 'docker-content-digest');
    const where = { op: 'head manifest', reference: refString(repo, reference), side: opts.side };
    if (header && !isDigest(header)) throw new RegistryError(`registry sent a malformed digest`, { ...where, status: res.status });
    if (isDigest(reference) && header && header !== reference) {
      throw new RegistryError(`registry says the digest is ${header}`, { ...where, status: res.status });
    }
    const digest = (header ?? (isDigest(reference) ? reference : undefined)) as Digest | undefined;
    const size = Number(headerValue(res, 'content-length'));
    const mediaType = headerValue(res, 'content-type')?.split(';')[0]?.trim();
    // without a digest header (or size/type) a HEAD by tag proves nothing: read the manifest
    if (!digest || !mediaType || !Number.isFinite(size)) {
      const m = await this.getManifest(repo, reference, opts);
      return { digest: m.digest, mediaType: m.mediaType, size: m.size };
    }
    return { digest, mediaType, size };
  }

  async getManifest(repo: RepoRef, reference: string, opts: CallOptions = {}): Promise<FetchedManifest> {
    const where = { op: 'get manifest', reference: refString(repo, reference), side: opts.side };
    return this.retry('get manifest', repo.host, async () => {
      const res = await this.session.send(this.manifestCall(repo, reference, 'GET', opts));
      const bytes = await readBody(res, MAX_MANIFEST_BYTES, where);
      const check = checkManifest(bytes, reference, headerValue(res, 'content-type'), headerValue(res, 'docker-content-digest'));
      if (!check.ok) throw new RegistryError(check.problem, { ...where, status: res.status, retryable: check.corrupt });
      return { digest: check.digest, mediaType: check.mediaType, size: bytes.length, bytes };
    });
  }

  async putManifest(repo: RepoRef, reference: string, manifest: { bytes: Uint8Array; mediaType: string }, opts: CallOptions = {}): Promise<Digest> {
    return (await this.putManifestChecked(repo, reference, manifest, opts)).digest;
  }

  async putManifestChecked(
    repo: RepoRef,
    reference: string,
    manifest: { bytes: Uint8Array; mediaType: string },
    opts: CallOptions = {},
  ): Promise<{ digest: Digest; confirmed: boolean }> {
    const where = putManifestWhere(repo, reference, opts);
    assertManifestSize(manifest.bytes, where);
    const check = checkManifest(manifest.bytes, isDigest(reference) ? reference : 'latest', manifest.mediaType, undefined);
    if (!check.ok) throw new RegistryError(`refusing to push: ${check.problem}`, { ...where, retryable: false });
    const url = new URL(`${repoPath(repo.repository)}/manifests/${encodeURIComponent(reference)}`, this.session.base(repo.host));
    const res = await this.session.send({
      ...where, host: repo.host, method: 'PUT', url, kind: 'manifest-put', scopes: [repoScope(repo.repository, 'pull,push')], ok: [],
      headers: { 'content-type': manifest.mediaType }, body: manifest.bytes, signal: opts.signal,
    });
    discard(res.body);
    const header = headerValue(res, 'docker-content-digest');
    if (header && header.startsWith('sha256:') && check.digest.startsWith('sha256:') && header !== check.digest) {
      throw new RegistryError(`registry stored digest ${header}, expected ${check.digest}`, { ...where, status: res.status, retryable: false });
    }
    return { digest: check.digest, confirmed: res.status === 201 && header === check.digest };
  }

  async headBlob(repo: RepoRef, digest: Digest, opts: CallOptions = {}): Promise<{ size: number } | undefined> {
    const res = await this.session.send(this.blobCall(repo, digest, 'HEAD', opts));
    discard(res.body);
    if (res.status === 404) return undefined;
    const size = Number(headerValue(res, 'content-length'));
    if (!Number.isFinite(size)) throw new RegistryError('blob HEAD has no Content-Length', { op: 'head blob', reference: refString(repo, digest), side: opts.side, status: res.status });
    return { size };
  }

  async getBlob(repo: RepoRef, digest: Digest, opts: CallOptions & { size?: number } = {}): Promise<Readable> {
    const where = { op: 'get blob', reference: refString(repo, digest), side: opts.side };
    return this.retry('get blob', repo.host, async () => {
      const res = await this.session.send({ ...this.blobCall(repo, digest, 'GET', opts), ok: [] });
      const length = headerValue(res, 'content-length');
      if (opts.size !== undefined && length !== undefined && Number(length) !== opts.size) {
        discard(res.body);
        throw new RegistryError(`blob has ${length} bytes, descriptor says ${opts.size}`, { ...where, status: res.status, retryable: true });
      }
      return verifyStream(res.body, digest, opts.size, (err) =>
        err instanceof RegistryError ? err : new RegistryError(err.name === 'DigestMismatchError' ? err.message : `blob read failed: ${err.message}`, { ...where, retryable: true, cause: err }),
      );
    });
  }

  mountBlob(repo: RepoRef, digest: Digest, fromRepository: string, opts: CallOptions = {}): Promise<MountResult> {
    return mountBlob(this.session, repo, digest, fromRepository, opts);
  }

  startUpload(repo: RepoRef, opts: CallOptions = {}): Promise<UploadSession> {
    return this.retry('start upload', repo.host, () => openUpload(this.session, repo, opts));
  }

  cancelUpload(upload: UploadSession, opts: CallOptions = {}): Promise<void> {
    return abandonUpload(this.session, upload, opts);
  }

  uploadBlob(
    repo: RepoRef,
    blob: { digest: Digest; size: number },
    body: Uint8Array | Readable,
    opts: CallOptions & { session?: UploadSession; chunkSize?: number } = {},
  ): Promise<void> {
    // a stream can be sent once: its caller re-reads the source and retries the whole copy
    if (!(body instanceof Uint8Array)) return uploadBlob(this.session, repo, blob, body, opts);
    return this.retry('upload blob', repo.host, (attempt) =>
      uploadBlob(this.session, repo, blob, body, attempt === 0 ? opts : { ...opts, session: undefined }),
    );
  }

  async listReferrers(repo: RepoRef, digest: Digest, opts: ReferrersOptions = {}): Promise<Descriptor[]> {
    const where = { op: 'list referrers', reference: refString(repo, digest), side: opts.side };
    const url = new URL(`${repoPath(repo.repository)}/referrers/${digest}`, this.session.base(repo.host));
    if (opts.artifactType) url.searchParams.set('artifactType', opts.artifactType);
    const index = this.noReferrersApi.has(repo.host) ? undefined : await this.retry('list referrers', repo.host, async () => {
      const res = await this.session.send({
        ...where, host: repo.host, method: 'GET', url, kind: 'referrers', scopes: [this.readScope(repo, opts)], ok: [404, 405],
        headers: { accept: MediaTypes.ociIndex }, signal: opts.signal,
      });
      if (res.status === 404 || res.status === 405) {
        // a route-level 404 without a spec error body ("404 page not found") means no API at
        // all: remember it so later calls read the fallback tag directly
        if (parseDiagnostics(await readPrefix(res.body, 4096)).length === 0) this.noReferrersApi.add(repo.host);
        return undefined;
      }
      const listed = parseIndex(await readBody(res, MAX_MANIFEST_BYTES, where), where);
      this.referrersApi.add(repo.host);
      return listed;
    });
    let manifests: Descriptor[];
    if (index) {
      manifests = index;
    } else if (opts.fallbackMayExist && !(await opts.fallbackMayExist(referrersTag(digest)))) {
      manifests = [];
    } else {
      // no referrers API (Distribution 2.8): read the tag-schema fallback index, if any
      const fallback = await this.getManifest(repo, referrersTag(digest), opts).catch((err: unknown) => {
        if (err instanceof RegistryError && err.status === 404) return undefined;
        throw err;
      });
      manifests = fallback ? parseIndex(fallback.bytes, where) : [];
    }
    return opts.artifactType ? manifests.filter((d) => d.artifactType === opts.artifactType) : manifests;
  }

  referrersSupport(host: string): boolean | undefined {
    if (this.noReferrersApi.has(host)) return false;
    return this.referrersApi.has(host) ? true : undefined;
  }

  async close(): Promise<void> {
    if (this.ownsTransport) await this.transport.close();
  }

  private readScope(repo: RepoRef, opts: CallOptions): string {
    // a destination's token is also used for its writes, so ask for push up front
    return repoScope(repo.repository, opts.side === 'destination' ? 'pull,push' : 'pull');
  }

  private manifestCall(repo: RepoRef, reference: string, method: 'GET' | 'HEAD', opts: CallOptions): Call {
    const url = new URL(`${repoPath(repo.repository)}/manifests/${encodeURIComponent(reference)}`, this.session.base(repo.host));
    return {
      op: `${method === 'GET' ? 'get' : 'head'} manifest`, reference: refString(repo, reference), host: repo.host, method, url,
      kind: method === 'GET' ? 'manifest-get' : 'manifest-head', scopes: [this.readScope(repo, opts)],
      headers: { accept: MANIFEST_ACCEPT.join(', ') }, ok: method === 'HEAD' ? [404] : [], side: opts.side, signal: opts.signal,
    };
  }

  private blobCall(repo: RepoRef, digest: Digest, method: 'GET' | 'HEAD', opts: CallOptions): Call {
    const url = new URL(`${repoPath(repo.repository)}/blobs/${digest}`, this.session.base(repo.host));
    return {
      op: `${method === 'GET' ? 'get' : 'head'} blob`, reference: refString(repo, digest), host: repo.host, method, url,
      kind: method === 'GET' ? 'blob-get' : 'blob-head', scopes: [this.readScope(repo, opts)], ok: [404], side: opts.side, signal: opts.signal,
    };
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function parseIndex(bytes: Uint8Array, where: { op: string; reference: string }): Descriptor[] {
  try {
    return indexEntries(bytes);
  } catch (err) {
    throw new RegistryError('referrers index is not JSON', { ...where, retryable: false, cause: err });
  }
}
