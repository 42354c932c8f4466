/**
 * The in-memory RegistryStore: maps of content by digest plus per-repository links and tags.
 * Shared by the in-process server (default) and the in-memory client.
 */
import { Refusal } from './admit.js';
import type { BlobWriter, ByteRange, RegistryStore, StoredManifest } from './store.js';

interface RepoState {
  blobs: Set<string>;
  manifests: Set<string>;
  tags: Map<string, string>;
}

/** Options of a MemoryStore. */
export interface MemoryStoreOptions {
  /**
   * Most bytes held: stored blobs and manifests plus uploads in progress. A write past it is
   * refused with 413 SIZE_INVALID and stores nothing. Default: no cap.
   */
  maxBytes?: number;
}

/** Registry content held in memory. */
export class MemoryStore implements RegistryStore {
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly manifests = new Map<string, StoredManifest>();
  private readonly repos = new Map<string, RepoState>();
  private readonly maxBytes: number;
  /** Bytes held: stored content plus uploads in progress. */
  private used = 0;

  constructor(opts: MemoryStoreOptions = {}) {
    this.maxBytes = opts.maxBytes ?? Infinity;
  }

  /** Bytes held now (stored content and uploads in progress). */
  get bytesUsed(): number {
    return this.used;
  }

  /** Counts `n` more bytes, or refuses them when the cap would be passed. */
  private reserve(n: number): void {
    if (this.used + n > this.maxBytes) {
      throw new Refusal(
        'SIZE_INVALID',
        `registry storage full: the memory store holds at most ${this.maxBytes} bytes (--max-bytes); ${this.used} are in use and ${n} more were sent`,
        { maxBytes: this.maxBytes, used: this.used },
        413,
      );
    }
    this.used += n;
  }

  private repo(name: string, create: true): RepoState;
  private repo(name: string, create?: false): RepoState | undefined;
  private repo(name: string, create = false): RepoState | undefined {
    let r = this.repos.get(name);
    if (!r && create) {
      r = { blobs: new Set(), manifests: new Set(), tags: new Map() };
      this.repos.set(name, r);
    }
    return r;
  }

  async statBlob(repo: string, digest: string): Promise<number | undefined> {
    return this.repo(repo)?.blobs.has(digest) ? this.blobs.get(digest)?.length : undefined;
  }

  async getBlob(repo: string, digest: string): Promise<Uint8Array | undefined> {
    return this.repo(repo)?.blobs.has(digest) ? this.blobs.get(digest) : undefined;
  }

  async openBlob(repo: string, digest: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined> {
    const bytes = await this.getBlob(repo, digest);
    if (!bytes) return undefined;
    return yieldAll([range ? bytes.subarray(range.start, range.end + 1) : bytes]);
  }

  async createBlobWriter(): Promise<BlobWriter> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let spent = false;
    const release = (): void => {
      if (!spent) this.used -= size;
      spent = true;
    };
    return {
      get size() {
        return size;
      },
      write: async (chunk) => {
        if (spent) throw new Error('blob writer already committed or aborted');
        this.reserve(chunk.length);
        chunks.push(Uint8Array.from(chunk));
        size += chunk.length;
      },
      read: () => yieldAll(chunks),
      commit: async (repo, digest) => {
        if (spent) throw new Error('blob writer already committed or aborted');
        if (this.blobs.has(digest)) {
          release();
        } else {
          this.blobs.set(digest, Buffer.concat(chunks, size));
          spent = true; // the reserved bytes now count as stored content
        }
        chunks.length = 0;
        this.repo(repo, true).blobs.add(digest);
      },
      abort: async () => {
        release();
        chunks.length = 0;
      },
    };
  }

  async putBlob(repo: string, digest: string, bytes: Uint8Array): Promise<void> {
    if (!this.blobs.has(digest)) {
      this.reserve(bytes.length);
      this.blobs.set(digest, Uint8Array.from(bytes));
    }
    this.repo(repo, true).blobs.add(digest);
  }

  async linkBlob(repo: string, digest: string): Promise<boolean> {
    if (!this.blobs.has(digest)) return false;
    this.repo(repo, true).blobs.add(digest);
    return true;
  }

  async unlinkBlob(repo: string, digest: string): Promise<boolean> {
    return this.repo(repo)?.blobs.delete(digest) ?? false;
  }

  async getManifest(repo: string, digest: string): Promise<StoredManifest | undefined> {
    return this.repo(repo)?.manifests.has(digest) ? this.manifests.get(digest) : undefined;
  }

  async putManifest(repo: string, digest: string, m: StoredManifest): Promise<void> {
    if (!this.manifests.has(digest)) {
      this.reserve(m.bytes.length);
      this.manifests.set(digest, { mediaType: m.mediaType, bytes: Uint8Array.from(m.bytes) });
    }
    this.repo(repo, true).manifests.add(digest);
  }

  async deleteManifest(repo: string, digest: string): Promise<boolean> {
    const r = this.repo(repo);
    if (!r?.manifests.delete(digest)) return false;
    for (const [t, d] of r.tags) if (d === digest) r.tags.delete(t);
    return true;
  }

  async listManifests(repo: string): Promise<string[]> {
    return [...(this.repo(repo)?.manifests ?? [])];
  }

  async getTag(repo: string, tag: string): Promise<string | undefined> {
    return this.repo(repo)?.tags.get(tag);
  }

  async setTag(repo: string, tag: string, digest: string): Promise<void> {
    this.repo(repo, true).tags.set(tag, digest);
  }

  async deleteTag(repo: string, tag: string): Promise<boolean> {
    return this.repo(repo)?.tags.delete(tag) ?? false;
  }

  async listTags(repo: string): Promise<string[] | undefined> {
    const r = this.repo(repo);
    return r ? [...r.tags.keys()].sort() : undefined;
  }

  async listRepositories(): Promise<string[]> {
    return [...this.repos.entries()]
      .filter(([, r]) => r.blobs.size > 0 || r.manifests.size > 0)
      .map(([name]) => name)
      .sort();
  }
}

async function* yieldAll(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}
