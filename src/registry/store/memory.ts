/**
 * The in-memory RegistryStore: maps of content by digest plus per-repository links and tags.
 * Shared by the in-process server (default) and the in-memory client.
 */
import type { RegistryStore, StoredManifest } from './store.js';

interface RepoState {
  blobs: Set<string>;
  manifests: Set<string>;
  tags: Map<string, string>;
}

/** Registry content held in memory. */
export class MemoryStore implements RegistryStore {
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly manifests = new Map<string, StoredManifest>();
  private readonly repos = new Map<string, RepoState>();

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

  async putBlob(repo: string, digest: string, bytes: Uint8Array): Promise<void> {
    if (!this.blobs.has(digest)) this.blobs.set(digest, Uint8Array.from(bytes));
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
    if (!this.manifests.has(digest)) this.manifests.set(digest, { mediaType: m.mediaType, bytes: Uint8Array.from(m.bytes) });
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
