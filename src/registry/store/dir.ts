/**
 * A RegistryStore in a directory, so `kpromo registry serve --dir` keeps content across runs:
 *   blobs/<alg>/<hex>                        blob bytes
 *   manifests/<alg>/<hex>, <hex>.type        manifest bytes and media type
 *   repositories/<repo>/_blobs/<alg>/<hex>   empty link files
 *   repositories/<repo>/_manifests/<alg>/<hex>
 *   repositories/<repo>/_tags/<tag>          the tag's digest
 *   uploads/<id>                             uploads in progress, renamed into blobs/ on commit
 * Repository path components never start with `_`, so links cannot clash with nested names.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KpromoError } from '../../errors.js';
import type { BlobWriter, ByteRange, RegistryStore, StoredManifest } from './store.js';

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

/** Why a path cannot hold the store, from a filesystem error. */
function dirReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EEXIST' || code === 'ENOTDIR') return 'it, or a parent of it, is not a directory';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'ENOSPC') return 'no space left on device';
  return (err as Error).message;
}

/**
 * `mkdir -p` with a bounded number of tries. Node 20's `mkdir(…, {recursive: true})` never
 * returns for a path such as /proc/x, whose parent exists but refuses new entries with ENOENT.
 */
async function makeDirs(path: string, depth = 0): Promise<void> {
  try {
    await mkdir(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path || depth > 64) throw err;
    await makeDirs(parent, depth + 1);
    await mkdir(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
}

/** Registry content in a directory on disk. */
export class DirStore implements RegistryStore {
  constructor(private readonly root: string) {}

  /**
   * Opens a store in `root`, created when missing. Refuses, with code STORE_UNUSABLE, a path
   * that is not a writable directory, so a server never starts on storage it cannot use.
   * Uploads left by an earlier process are removed (their sessions died with it).
   */
  static async open(root: string): Promise<DirStore> {
    try {
      await makeDirs(root);
      const st = await stat(root);
      if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      await access(root, constants.W_OK | constants.X_OK);
      const uploads = join(root, 'uploads');
      await rm(uploads, { recursive: true, force: true });
      await mkdir(uploads);
      const probe = join(uploads, `probe-${process.pid}`);
      await writeFile(probe, '');
      await rm(probe);
    } catch (err) {
      throw new KpromoError('STORE_UNUSABLE', `cannot keep registry content in ${root}: ${dirReason(err)}`, { cause: err });
    }
    return new DirStore(root);
  }

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

  async openBlob(repo: string, digest: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined> {
    if ((await this.statBlob(repo, digest)) === undefined) return undefined;
    return createReadStream(this.blobFile(digest), range ? { start: range.start, end: range.end } : {});
  }

  async createBlobWriter(): Promise<BlobWriter> {
    const dir = join(this.root, 'uploads');
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, randomUUID());
    const fh = await open(tmp, 'wx');
    let size = 0;
    let spent = false;
    let closed = false;
    const close = async (): Promise<void> => {
      if (!closed) await fh.close();
      closed = true;
    };
    return {
      get size() {
        return size;
      },
      write: async (chunk) => {
        if (spent) throw new Error('blob writer already committed or aborted');
        for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
        size += chunk.length;
      },
      read: () => createReadStream(tmp),
      commit: async (repo, digest) => {
        if (spent) throw new Error('blob writer already committed or aborted');
        spent = true;
        await close();
        const file = this.blobFile(digest);
        if (await exists(file)) {
          await rm(tmp, { force: true });
        } else {
          await mkdir(dirname(file), { recursive: true });
          await rename(tmp, file);
        }
        await writeAtomic(this.link(repo, '_blobs', digest), '');
      },
      abort: async () => {
        spent = true;
        await close();
        await rm(tmp, { force: true });
      },
    };
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
