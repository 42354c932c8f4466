/**
 * The registry client contract: the distribution-spec operations every later phase uses.
 * Implementations: registry/http (undici, real registries) and registry/memory (in-process,
 * for unit tests and the embedded demo). Both verify digests on read.
 */
import type { Readable } from 'node:stream';
import type { Digest, RepoRef } from '../image/ref.js';

/** Which side of a copy a request is for; carried into errors and stats. */
export type Side = 'source' | 'destination';

/** Media types kpromo reads and writes (the manifest ones are sent in `Accept`: MANIFEST_ACCEPT). */
export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Whether a manifest media type lists child manifests (an OCI index or a Docker manifest list). */
export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerList;
}

/** Every manifest media type, in the order sent in `Accept`. */
export const MANIFEST_ACCEPT: readonly string[] = [
  MediaTypes.ociIndex,
  MediaTypes.ociManifest,
  MediaTypes.dockerList,
  MediaTypes.dockerManifest,
];

/** Largest manifest kpromo reads or writes (distribution's own limit is 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** An OCI descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

/** What a manifest HEAD tells. */
export interface ManifestInfo {
  digest: Digest;
  mediaType: string;
  size: number;
}

/** A manifest read by GET: its exact bytes (never re-serialised) and what they hash to. */
export interface FetchedManifest extends ManifestInfo {
  bytes: Uint8Array;
}

/**
 * A repository's tag list as read (every page). Google's registries (GCR, Artifact Registry) also
 * return a `manifest` map (digest → `{tag: [...], mediaType, ...}`); when present it is kept here,
 * so the plan knows each tag's digest, and which manifests the repository holds, with no HEAD.
 */
export interface TagList {
  tags: string[];
  /** The digest of each tag, when the list carried them (absent on Distribution). */
  tagDigests?: Map<string, Digest>;
  /** Every manifest the list named (tagged or not), when it carried the map. */
  manifests?: Set<Digest>;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Which side of a copy this call serves (for errors and stats). */
  side?: Side;
}

/** Options of RegistryClient.listReferrers. */
export interface ReferrersOptions extends CallOptions {
  /** Only referrers of this artifact type. */
  artifactType?: string;
  /**
   * Asked, on a registry without the referrers API, before the fallback tag is read: false (a tag
   * list already read proves the tag absent) answers "no referrers" without reading it.
   */
  fallbackMayExist?: (tag: string) => Promise<boolean>;
}

/** An open upload session (the `Location` of a 202 answer to POST …/blobs/uploads/). */
export interface UploadSession {
  repo: RepoRef;
  /** Absolute URL to PATCH/PUT to. */
  location: string;
}

/** The answer to a cross-repository mount request. */
export type MountResult = { mounted: true } | { mounted: false; session: UploadSession };

/** The distribution-spec operations kpromo needs. */
export interface RegistryClient {
  /** GET /v2/ (and whatever auth challenge it answers with). */
  ping(host: string, opts?: CallOptions): Promise<void>;
  /** Repository names on a host (`/v2/_catalog`, following `Link` pagination), for snapshots. */
  catalog(host: string, opts?: CallOptions): Promise<string[]>;
  /** All tags of a repository, following `Link` pagination. Empty when the repository does not exist. */
  listTags(repo: RepoRef, opts?: CallOptions): Promise<string[]>;
  /**
   * The tag list with whatever else the registry's list carries (see TagList). Optional: callers
   * fall back to `listTags` without digests.
   */
  tagList?(repo: RepoRef, opts?: CallOptions): Promise<TagList>;
  /** HEAD a manifest by tag or digest; undefined when absent. */
  headManifest(repo: RepoRef, reference: string, opts?: CallOptions): Promise<ManifestInfo | undefined>;
  /** GET a manifest by tag or digest, size-capped and verified against its digest. Throws when absent. */
  getManifest(repo: RepoRef, reference: string, opts?: CallOptions): Promise<FetchedManifest>;
  /** PUT a manifest by tag or by digest; returns the digest of the bytes. */
  putManifest(
    repo: RepoRef,
    reference: string,
    manifest: { bytes: Uint8Array; mediaType: string },
    opts?: CallOptions,
  ): Promise<Digest>;
  /**
   * putManifest, also telling whether the answer proves the write: `confirmed` when the registry
   * answered 201 with a `Docker-Content-Digest` equal to the digest sent. Optional: callers
   * treat a write through plain putManifest as unconfirmed.
   */
  putManifestChecked?(
    repo: RepoRef,
    reference: string,
    manifest: { bytes: Uint8Array; mediaType: string },
    opts?: CallOptions,
  ): Promise<{ digest: Digest; confirmed: boolean }>;
  /** HEAD a blob; its size, or undefined when absent. */
  headBlob(repo: RepoRef, digest: Digest, opts?: CallOptions): Promise<{ size: number } | undefined>;
  /**
   * GET a blob as a stream that errors (instead of ending) if the bytes do not hash to
   * `digest` or their length differs from `size` when given.
   */
  getBlob(repo: RepoRef, digest: Digest, opts?: CallOptions & { size?: number }): Promise<Readable>;
  /** POST …/uploads/?mount=&from=: mounted, or an upload session to use instead (202). */
  mountBlob(repo: RepoRef, digest: Digest, fromRepository: string, opts?: CallOptions): Promise<MountResult>;
  /**
   * POST …/uploads/: opens an upload session for uploadBlob, so it can open while the bytes are
   * still being read. Optional: without it uploadBlob opens its own.
   */
  startUpload?(repo: RepoRef, opts?: CallOptions): Promise<UploadSession>;
  /**
   * DELETEs an upload session that will not be used (best effort, never throws: a registry purges
   * abandoned sessions itself, Distribution after 168 h). Optional.
   */
  cancelUpload?(session: UploadSession, opts?: CallOptions): Promise<void>;
  /**
   * Uploads a blob (monolithic, or chunked when `chunkSize` is set), in an existing session when
   * given (e.g. from a mount that answered 202). The registry checks `?digest=` on the final PUT.
   */
  uploadBlob(
    repo: RepoRef,
    blob: { digest: Digest; size: number },
    body: Uint8Array | Readable,
    opts?: CallOptions & { session?: UploadSession; chunkSize?: number },
  ): Promise<void>;
  /**
   * Referrers of a manifest: the referrers API, or the tag-schema fallback (`sha256-<hex>`
   * index) when the registry has none. Optionally filtered by artifact type.
   */
  listReferrers(repo: RepoRef, digest: Digest, opts?: ReferrersOptions): Promise<Descriptor[]>;
  /**
   * Whether `host` serves the referrers API, as learnt from earlier listReferrers calls:
   * undefined until known. Optional: callers treat a missing method as "unknown".
   */
  referrersSupport?(host: string): boolean | undefined;
  /** Releases connections. */
  close(): Promise<void>;
}
