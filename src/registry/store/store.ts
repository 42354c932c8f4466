/**
 * Storage behind the in-process registry server and the in-memory client: content-addressed
 * blobs and manifests, linked into repositories (a blob is visible in a repository only once
 * pushed or mounted there, as in Distribution), and tags per repository.
 */

/** A stored manifest: its exact bytes and the media type it was pushed with. */
export interface StoredManifest {
  mediaType: string;
  bytes: Uint8Array;
}

/**
 * A blob being uploaded: chunks are appended as they arrive (memory or a temp file in the
 * store), then committed under a digest the caller has verified, or discarded.
 */
export interface BlobWriter {
  /** Bytes written so far. */
  readonly size: number;
  /** Appends a chunk; a store over its byte cap refuses it. */
  write(chunk: Uint8Array): Promise<void>;
  /** The bytes written so far, in order (to hash with an algorithm not computed on the way). */
  read(): AsyncIterable<Uint8Array>;
  /** Stores the bytes as blob `digest` and links it into `repo`; the writer is spent. */
  commit(repo: string, digest: string): Promise<void>;
  /** Drops the bytes; safe to call more than once. */
  abort(): Promise<void>;
}

/** An inclusive byte range of a blob. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Content storage of one registry host. Digests are `algorithm:hex` strings, verified by callers. */
export interface RegistryStore {
  /** Size of a blob linked into `repo`, or undefined. */
  statBlob(repo: string, digest: string): Promise<number | undefined>;
  /** Bytes of a blob linked into `repo`, or undefined. */
  getBlob(repo: string, digest: string): Promise<Uint8Array | undefined>;
  /** A blob linked into `repo` as a stream (all of it, or `range`), or undefined. */
  openBlob(repo: string, digest: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Starts writing a blob in pieces (see BlobWriter). */
  createBlobWriter(): Promise<BlobWriter>;
  /** Stores a blob (already verified) and links it into `repo`. */
  putBlob(repo: string, digest: string, bytes: Uint8Array): Promise<void>;
  /** Links an existing blob into `repo` (cross-repository mount); false when the blob is unknown. */
  linkBlob(repo: string, digest: string): Promise<boolean>;
  /** Unlinks a blob from `repo`; false when it was not linked. */
  unlinkBlob(repo: string, digest: string): Promise<boolean>;

  /** A manifest linked into `repo`, or undefined. */
  getManifest(repo: string, digest: string): Promise<StoredManifest | undefined>;
  /** Stores a manifest (digest already verified) and links it into `repo`. */
  putManifest(repo: string, digest: string, manifest: StoredManifest): Promise<void>;
  /** Unlinks a manifest from `repo` and removes the tags pointing at it; false when absent. */
  deleteManifest(repo: string, digest: string): Promise<boolean>;
  /** Digests of the manifests linked into `repo` (any order). */
  listManifests(repo: string): Promise<string[]>;

  /** The digest a tag points at, or undefined. */
  getTag(repo: string, tag: string): Promise<string | undefined>;
  /** Points `tag` at `digest` (the manifest must be linked already). */
  setTag(repo: string, tag: string, digest: string): Promise<void>;
  /** Removes a tag; false when absent. */
  deleteTag(repo: string, tag: string): Promise<boolean>;
  /** Tags of `repo`, sorted; undefined when the repository does not exist. */
  listTags(repo: string): Promise<string[] | undefined>;
  /** Repository names holding at least one manifest or blob, sorted. */
  listRepositories(): Promise<string[]>;
}
