/**
 * A RegistryStore in a directory, so `kpromo registry serve --dir` keeps content across runs:
 *   blobs/<alg>/<hex>                        blob bytes
 *   manifests/<alg>/<hex>, <hex>.type        manifest bytes and media type
 *   repositories/<repo>/_blobs/<alg>/<hex>   empty link files
 *   repositories/<repo>/_manifests/<alg>/<hex>
 *   repositories/<repo>/_tags/<tag>          the tag's digest
 * Repository path components never start with `_`, so links cannot clash with nested names.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RegistryStore, StoredManifest } from './store.js';

const DIGEST_PATH_RE = /^[a-z0-9]+:[a-f0-9]+$/;
const REPO_RE = /^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$/;
const TAG_PATH_RE = /^\w[\w.-]{0,127}$/;

/** Path parts of a digest, refusing anything that is not `alg:hex` (no path traversal). */
function digestPath(d: string): [string, string] {
  if (!DIGEST_PATH_RE.test(d)) throw new Error(`invalid digest ${JSON.stringify(d)}`);
  return d.split(':') as [string, string];
}

function checkRepo(repo: string): string {
  if (!REPO_RE.test(repo)) throw new Error(`invalid repository name ${JSON.stringify(repo)}`);
  return repo;
}

function checkTag(tag: string): string {
  if (!TAG_PATH_RE.test(tag)) throw new Error(`invalid tag ${JSON.stringify(tag)}`);
  return tag;
}

const isMissing = (err: unknown): boolean => (err as { code?: string }).code === 'ENOENT';

async function readOrUndefined(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

let tmpCounter = 0;
/** Writes a file atomically (temp file, then rename). */
async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${tmpCounter++}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Registry content in a directory on disk. */
export class DirStore implements RegistryStore {
  constructor(private readonly root: string) {}

  private blobFile(d: string): string {
    return join(this.root, 'blobs', ...digestPath(d));
  }
  private manifestFile(d: string): string {
    return join(this.root, 'manifests', ...digestPath(d));
  }
  private link(repo: string, kind: '_blobs' | '_manifests', d: string): string {
    return join(this.root, 'repositories', checkRepo(repo), kind, ...digestPath(d));
  }
  private tagFile(repo: string, tag: string): string {
    return join(this.root, 'repositories', checkRepo(repo), '_tags', checkTag(tag));
  }

  async statBlob(repo: string, digest: string): Promise<number | undefined> {
    if (!(await exists(this.link(repo, '_blobs', digest)))) return undefined;
    try {
      return (await stat(this.blobFile(digest))).size;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async getBlob(repo: string, digest: string): Promise<Uint8Array | undefined> {
    if (!(await exists(this.link(repo, '_blobs', digest)))) return undefined;
    const buf = await readOrUndefined(this.blobFile(digest));
    return buf && new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }

  async putBlob(repo: string, digest: string, bytes: Uint8Array): Promise<void> {
    if (!(await exists(this.blobFile(digest)))) await writeAtomic(this.blobFile(digest), bytes);
    await writeAtomic(this.link(repo, '_blobs', digest), '');
  }

  async linkBlob(repo: string, digest: string): Promise<boolean> {
    if (!(await exists(this.blobFile(digest)))) return false;
    await writeAtomic(this.link(repo, '_blobs', digest), '');
    return true;
  }

  async unlinkBlob(repo: string, digest: string): Promise<boolean> {
    const l = this.link(repo, '_blobs', digest);
    if (!(await exists(l))) return false;
    await rm(l, { force: true });
    return true;
  }

  async getManifest(repo: string, digest: string): Promise<StoredManifest | undefined> {
    if (!(await exists(this.link(repo, '_manifests', digest)))) return undefined;
    const bytes = await readOrUndefined(this.manifestFile(digest));
    const type = await readOrUndefined(`${this.manifestFile(digest)}.type`);
    if (!bytes || !type) return undefined;
    return { mediaType: type.toString('utf8'), bytes: new Uint8Array(bytes) };
  }

  async putManifest(repo: string, digest: string, m: StoredManifest): Promise<void> {
    const file = this.manifestFile(digest);
    if (!(await exists(file))) {
      await writeAtomic(`${file}.type`, m.mediaType);
      await writeAtomic(file, m.bytes);
    }
    await writeAtomic(this.link(repo, '_manifests', digest), '');
  }

  async deleteManifest(repo: string, digest: string): Promise<boolean> {
    const l = this.link(repo, '_manifests', digest);
    if (!(await exists(l))) return false;
    await rm(l, { force: true });
    for (const t of (await this.listTags(repo)) ?? []) {
      if ((await this.getTag(repo, t)) === digest) await this.deleteTag(repo, t);
    }
    return true;
  }

  async listManifests(repo: string): Promise<string[]> {
    const base = join(this.root, 'repositories', checkRepo(repo), '_manifests');
    const out: string[] = [];
    for (const alg of await readdir(base).catch(() => [] as string[])) {
      for (const hex of await readdir(join(base, alg))) if (!hex.includes('.tmp-')) out.push(`${alg}:${hex}`);
    }
    return out;
  }

  async getTag(repo: string, tag: string): Promise<string | undefined> {
    return (await readOrUndefined(this.tagFile(repo, tag)))?.toString('utf8');
  }

  async setTag(repo: string, tag: string, digest: string): Promise<void> {
    digestPath(digest);
    await writeAtomic(this.tagFile(repo, tag), digest);
  }

  async deleteTag(repo: string, tag: string): Promise<boolean> {
    const f = this.tagFile(repo, tag);
    if (!(await exists(f))) return false;
    await rm(f, { force: true });
    return true;
  }

  async listTags(repo: string): Promise<string[] | undefined> {
    const base = join(this.root, 'repositories', checkRepo(repo));
    if (!(await exists(base))) return undefined;
    const tags = await readdir(join(base, '_tags')).catch(() => [] as string[]);
    return tags.filter((t) => !t.includes('.tmp-')).sort();
  }

  async listRepositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string, depth: number): Promise<void> => {
      if (depth > 32) return; // bounded: names are short paths
      const entries = await readdir(join(this.root, 'repositories', rel), { withFileTypes: true }).catch(() => []);
      const names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
      if (names.includes('_blobs') || names.includes('_manifests')) out.push(rel);
      for (const n of names) if (!n.startsWith('_')) await walk(rel ? `${rel}/${n}` : n, depth + 1);
    };
    await walk('', 0);
    return out.sort();
  }
}
