/**
 * The in-memory RegistryClient: the same operations as the HTTP client over RegistryStores
 * (one per host), refusing what a registry refuses (via the server's admission rules), verifying
 * digests on read, and reporting absence the same way (undefined for HEAD, RegistryError 404 for
 * GET). Counts calls by operation so unit tests can assert, e.g., that a run wrote nothing.
 */
import { Readable } from 'node:stream';
import { isDigest, type Digest, type RepoRef } from '../../image/ref.js';
import { digestOf, parseDigest, verifyStream } from '../digest.js';
import { RegistryError } from '../errors.js';
import { admitManifest, Refusal, verifyDigest } from '../store/admit.js';
import { MemoryStore } from '../store/memory.js';
import { findReferrers } from '../store/refs.js';
import type { RegistryStore } from '../store/store.js';
import { MAX_MANIFEST_BYTES, MediaTypes, type CallOptions, type Descriptor, type FetchedManifest, type ManifestInfo, type MountResult, type ReferrersOptions, type RegistryClient, type TagList, type UploadSession } from '../types.js';
import { indexEntries } from '../manifest-json.js';
import { assertManifestSize, putManifestWhere, refString } from '../where.js';

/** Operations of the RegistryClient, as counted. */
export type MemoryOp =
  | 'ping' | 'catalog' | 'listTags' | 'headManifest' | 'getManifest' | 'putManifest'
  | 'headBlob' | 'getBlob' | 'mountBlob' | 'uploadBlob' | 'listReferrers';

/** Operations that change a registry. */
export const WRITE_OPS: readonly MemoryOp[] = ['putManifest', 'mountBlob', 'uploadBlob'];

/** One call as recorded (in order). */
export interface MemoryCall {
  op: MemoryOp;
  host: string;
  repository?: string;
  /** Tag or digest, when the operation has one. */
  reference?: string;
}

/** Options of the in-memory client. */
export interface MemoryRegistryClientOptions {
  /** Stores by host (`host[:port]`). Unknown hosts are unreachable unless `autoCreateHosts`. */
  hosts?: Map<string, RegistryStore> | Record<string, RegistryStore>;
  /** Create an empty MemoryStore for any host asked for. Default false. */
  autoCreateHosts?: boolean;
  /** Whether hosts serve the referrers API (else the `sha256-<hex>` tag fallback is read). Default true. */
  referrers?: boolean | ((host: string) => boolean);
  /**
   * Whether a host's tag list carries each tag's digest, as Google's registries do (the
   * `manifest` map). Default false, as Distribution.
   */
  tagListDigests?: boolean | ((host: string) => boolean);
  /** Called before every operation; throw from it to inject a failure. */
  intercept?: (call: MemoryCall) => void | Promise<void>;
}

/** RegistryClient over in-memory (or directory) stores. */
export class MemoryRegistryClient implements RegistryClient {
  private readonly hosts: Map<string, RegistryStore>;
  private readonly sessions = new Map<string, RepoRef>();
  private nextSession = 0;
  /** Calls per operation. */
  readonly calls: Record<MemoryOp, number> = {
    ping: 0, catalog: 0, listTags: 0, headManifest: 0, getManifest: 0, putManifest: 0,
    headBlob: 0, getBlob: 0, mountBlob: 0, uploadBlob: 0, listReferrers: 0,
  };
  /** Every call, in order. */
  readonly history: MemoryCall[] = [];
  /** Hosts asked for referrers so far: like the HTTP client, support is known only after a call. */
  private readonly referrersAsked = new Set<string>();

  constructor(private readonly options: MemoryRegistryClientOptions = {}) {
    const h = options.hosts;
    this.hosts = h instanceof Map ? h : new Map(Object.entries(h ?? {}));
  }

  /** The store of `host`, created (empty) when absent. */
  store(host: string): RegistryStore {
    let s = this.hosts.get(host);
    if (!s) {
      s = new MemoryStore();
      this.hosts.set(host, s);
    }
    return s;
  }

  /** Number of write calls (putManifest, mountBlob, uploadBlob) so far. */
  get writes(): number {
    return WRITE_OPS.reduce((n, op) => n + this.calls[op], 0);
  }

  /** Zeroes the counters and the history. */
  resetCalls(): void {
    for (const k of Object.keys(this.calls) as MemoryOp[]) this.calls[k] = 0;
    this.history.length = 0;
  }

  async ping(host: string, opts: CallOptions = {}): Promise<void> {
    await this.begin({ op: 'ping', host }, opts);
  }

  async catalog(host: string, opts: CallOptions = {}): Promise<string[]> {
    const s = await this.begin({ op: 'catalog', host }, opts);
    return s.listRepositories();
  }

  async listTags(repo: RepoRef, opts: CallOptions = {}): Promise<string[]> {
    const s = await this.begin({ op: 'listTags', host: repo.host, repository: repo.repository }, opts);
    return (await s.listTags(repo.repository)) ?? [];
  }

  async tagList(repo: RepoRef, opts: CallOptions = {}): Promise<TagList> {
    const s = await this.begin({ op: 'listTags', host: repo.host, repository: repo.repository }, opts);
    const tags = (await s.listTags(repo.repository)) ?? [];
    const digests = this.options.tagListDigests ?? false;
    if (!(typeof digests === 'function' ? digests(repo.host) : digests)) return { tags };
    const tagDigests = new Map<string, Digest>();
    for (const t of tags) {
      const d = await s.getTag(repo.repository, t);
      if (d) tagDigests.set(t, d as Digest);
    }
    return { tags, tagDigests, manifests: new Set((await s.listManifests(repo.repository)) as Digest[]) };
  }

  async headManifest(repo: RepoRef, reference: string, opts: CallOptions = {}): Promise<ManifestInfo | undefined> {
    const s = await this.begin({ op: 'headManifest', host: repo.host, repository: repo.repository, reference }, opts);
    const found = await this.resolve(s, repo, reference);
    return found && { digest: found.digest, mediaType: found.mediaType, size: found.bytes.length };
  }

  async getManifest(repo: RepoRef, reference: string, opts: CallOptions = {}): Promise<FetchedManifest> {
    const s = await this.begin({ op: 'getManifest', host: repo.host, repository: repo.repository, reference }, opts);
    const where = { op: 'get manifest', reference: refString(repo, reference), side: opts.side };
    const found = await this.resolve(s, repo, reference);
    if (!found) throw new RegistryError('not found', { ...where, status: 404, diagnostics: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }], retryable: false });
    if (found.bytes.length > MAX_MANIFEST_BYTES) throw new RegistryError(`response is larger than ${MAX_MANIFEST_BYTES} bytes`, { ...where, status: 200, retryable: false });
    // Verify like the HTTP client: the bytes must hash to the digest asked for (or stored under).
    const actual = digestOf(found.bytes, parseDigest(found.digest).algorithm);
    if (actual !== found.digest) throw new RegistryError(`manifest bytes hash to ${actual}, not ${found.digest}`, { ...where, status: 200, retryable: true });
    return { digest: found.digest, mediaType: found.mediaType, size: found.bytes.length, bytes: Uint8Array.from(found.bytes) };
  }

  async putManifest(repo: RepoRef, reference: string, manifest: { bytes: Uint8Array; mediaType: string }, opts: CallOptions = {}): Promise<Digest> {
    const s = await this.begin({ op: 'putManifest', host: repo.host, repository: repo.repository, reference }, opts);
    const where = putManifestWhere(repo, reference, opts);
    assertManifestSize(manifest.bytes, where);
    const admitted = await admitManifest(s, repo.repository, reference, manifest.bytes, manifest.mediaType).catch((err: unknown) => {
      throw refusalError(err, where);
    });
    await s.putManifest(repo.repository, admitted.digest, { mediaType: admitted.mediaType, bytes: manifest.bytes });
    if (!isDigest(reference)) await s.setTag(repo.repository, reference, admitted.digest);
    return admitted.digest as Digest;
  }

  /** The store answers like a registry that always returns the stored digest: every write is confirmed. */
  async putManifestChecked(
    repo: RepoRef,
    reference: string,
    manifest: { bytes: Uint8Array; mediaType: string },
    opts: CallOptions = {},
  ): Promise<{ digest: Digest; confirmed: boolean }> {
    return { digest: await this.putManifest(repo, reference, manifest, opts), confirmed: true };
  }

  async headBlob(repo: RepoRef, digest: Digest, opts: CallOptions = {}): Promise<{ size: number } | undefined> {
    const s = await this.begin({ op: 'headBlob', host: repo.host, repository: repo.repository, reference: digest }, opts);
    const size = await s.statBlob(repo.repository, digest);
    return size === undefined ? undefined : { size };
  }

  async getBlob(repo: RepoRef, digest: Digest, opts: CallOptions & { size?: number } = {}): Promise<Readable> {
    const s = await this.begin({ op: 'getBlob', host: repo.host, repository: repo.repository, reference: digest }, opts);
    const where = { op: 'get blob', reference: refString(repo, digest), side: opts.side };
    const bytes = await s.getBlob(repo.repository, digest);
    if (!bytes) throw new RegistryError('not found', { ...where, status: 404, diagnostics: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }], retryable: false });
    if (opts.size !== undefined && bytes.length !== opts.size) {
      throw new RegistryError(`blob has ${bytes.length} bytes, descriptor says ${opts.size}`, { ...where, status: 200, retryable: true });
    }
    return verifyStream(Readable.from([Buffer.from(bytes)]), digest, opts.size, (err) =>
      new RegistryError(err.name === 'DigestMismatchError' ? err.message : `blob read failed: ${err.message}`, { ...where, retryable: true, cause: err }),
    );
  }

  async mountBlob(repo: RepoRef, digest: Digest, fromRepository: string, opts: CallOptions = {}): Promise<MountResult> {
    const s = await this.begin({ op: 'mountBlob', host: repo.host, repository: repo.repository, reference: digest }, opts);
    if ((await s.statBlob(fromRepository, digest)) !== undefined) {
      await s.linkBlob(repo.repository, digest);
      return { mounted: true };
    }
    return { mounted: false, session: this.openSession(repo) };
  }

  async uploadBlob(
    repo: RepoRef,
    blob: { digest: Digest; size: number },
    body: Uint8Array | Readable,
    opts: CallOptions & { session?: UploadSession; chunkSize?: number } = {},
  ): Promise<void> {
    const s = await this.begin({ op: 'uploadBlob', host: repo.host, repository: repo.repository, reference: blob.digest }, opts);
    const where = { op: 'upload blob', reference: refString(repo, blob.digest), side: opts.side ?? ('destination' as const) };
    if (opts.session) {
      const owner = this.sessions.get(opts.session.location);
      if (!owner) throw new RegistryError('upload session unknown', { ...where, status: 404, diagnostics: [{ code: 'BLOB_UPLOAD_UNKNOWN' }], retryable: false });
      if (owner.host !== repo.host || owner.repository !== repo.repository) {
        throw new RegistryError('upload session belongs to another repository', { ...where, retryable: false });
      }
      this.sessions.delete(opts.session.location);
    }
    const bytes = body instanceof Uint8Array ? body : await readAll(body);
    if (bytes.length !== blob.size) throw new RegistryError(`blob has ${bytes.length} bytes, descriptor says ${blob.size}`, { ...where, retryable: false });
    try {
      verifyDigest(blob.digest, bytes);
    } catch (err) {
      throw refusalError(err, where);
    }
    await s.putBlob(repo.repository, blob.digest, bytes);
  }

  async listReferrers(repo: RepoRef, digest: Digest, opts: ReferrersOptions = {}): Promise<Descriptor[]> {
    const s = await this.begin({ op: 'listReferrers', host: repo.host, repository: repo.repository, reference: digest }, opts);
    this.referrersAsked.add(repo.host);
    if (this.servesReferrers(repo.host)) {
      return (await findReferrers(s, repo.repository, digest, opts.artifactType)) as Descriptor[];
    }
    // No referrers API: the tag-schema fallback index `<alg>-<hex>`, as the HTTP client reads it.
    const { algorithm, hex } = parseDigest(digest);
    const tag = `${algorithm}-${hex.slice(0, 64)}`;
    if (opts.fallbackMayExist && !(await opts.fallbackMayExist(tag))) return [];
    const found = await this.resolve(s, repo, tag);
    if (!found || found.mediaType !== MediaTypes.ociIndex) return [];
    const manifests = indexEntries(found.bytes);
    return opts.artifactType ? manifests.filter((d) => d.artifactType === opts.artifactType) : manifests;
  }

  referrersSupport(host: string): boolean | undefined {
    return this.referrersAsked.has(host) ? this.servesReferrers(host) : undefined;
  }

  async close(): Promise<void> {
    // nothing to release
  }

  private servesReferrers(host: string): boolean {
    const api = this.options.referrers ?? true;
    return typeof api === 'function' ? api(host) : api;
  }

  /** Counts and records a call, runs the interceptor, and finds the host's store. */
  private async begin(call: MemoryCall, opts: CallOptions): Promise<RegistryStore> {
    this.calls[call.op]++;
    this.history.push(call);
    opts.signal?.throwIfAborted();
    await this.options.intercept?.(call);
    const s = this.hosts.get(call.host) ?? (this.options.autoCreateHosts ? this.store(call.host) : undefined);
    if (!s) throw new RegistryError(`no registry at ${call.host}`, { op: call.op, reference: call.host, side: opts.side, retryable: false });
    return s;
  }

  /** A tag or digest in `repo`: digest, media type and bytes, or undefined. */
  private async resolve(s: RegistryStore, repo: RepoRef, reference: string): Promise<{ digest: Digest; mediaType: string; bytes: Uint8Array } | undefined> {
    const digest = isDigest(reference) ? reference : await s.getTag(repo.repository, reference);
    const m = digest ? await s.getManifest(repo.repository, digest) : undefined;
    return m && digest ? { digest: digest as Digest, mediaType: m.mediaType, bytes: m.bytes } : undefined;
  }

  async cancelUpload(upload: UploadSession): Promise<void> {
    this.sessions.delete(upload.location);
  }

  /** Upload sessions opened and neither used nor cancelled. */
  get openUploads(): number {
    return this.sessions.size;
  }

  private openSession(repo: RepoRef): UploadSession {
    const location = `memory://${repo.host}/v2/${repo.repository}/blobs/uploads/${this.nextSession++}`;
    this.sessions.set(location, { host: repo.host, repository: repo.repository });
    return { repo, location };
  }
}

/** A RegistryError from a store Refusal (spec code and status), or the error itself. */
function refusalError(err: unknown, where: { op: string; reference: string; side?: CallOptions['side'] }): unknown {
  if (!(err instanceof Refusal)) return err;
  return new RegistryError(err.message, { ...where, status: err.status, diagnostics: [{ code: err.code, message: err.message, detail: err.detail }], retryable: false });
}

async function readAll(body: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}
