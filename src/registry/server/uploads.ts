/**
 * Upload sessions of the in-process registry: each holds a BlobWriter of the store (memory, or a
 * temp file in `--dir`) and a running sha256, so bytes stream to storage instead of piling up
 * in memory. A session idle longer than the timeout expires: its bytes are dropped and its id
 * answers BLOB_UPLOAD_UNKNOWN, as if never opened.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import type { BlobWriter, RegistryStore } from '../store/store.js';
import { ApiError } from './http.js';

/**
 * Default idle timeout of an upload session (10 minutes). Distribution purges uploads only
 * after days; a session stays open while a request streams into it, so only a client that
 * went away waits this long, and what it left is dropped then.
 */
export const DEFAULT_UPLOAD_IDLE_MS = 10 * 60 * 1000;

/** One open upload. */
export interface UploadSession {
  readonly id: string;
  readonly repo: string;
  readonly writer: BlobWriter;
  /** sha256 of the bytes written so far (the digest nearly every client asks for). */
  readonly sha256: Hash;
  /** Clock time of the last request that touched the session. */
  lastActive: number;
  /** Whether a request is streaming into it now (never expired then). */
  busy: boolean;
}

/** Options of the session table. */
export interface UploadSessionOptions {
  /** Idle time after which a session expires, in ms. */
  idleMs?: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

/** The open uploads of one server. */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: RegistryStore,
    opts: UploadSessionOptions = {},
  ) {
    this.idleMs = opts.idleMs ?? DEFAULT_UPLOAD_IDLE_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Number of open sessions. */
  get size(): number {
    return this.sessions.size;
  }

  /** Opens a session for `repo`. */
  async open(repo: string): Promise<UploadSession> {
    await this.sweep();
    const s: UploadSession = {
      id: randomUUID(),
      repo,
      writer: await this.store.createBlobWriter(),
      sha256: createHash('sha256'),
      lastActive: this.now(),
      busy: false,
    };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session `id` of `repo`, or BLOB_UPLOAD_UNKNOWN (also once expired). */
  async get(repo: string, id: string): Promise<UploadSession> {
    const s = this.sessions.get(id);
    if (s && this.expired(s)) await this.discard(s);
    else if (s && s.repo === repo) return s;
    throw new ApiError('BLOB_UPLOAD_UNKNOWN', `upload ${id} unknown to ${repo}`);
  }

  /**
   * Runs `fn` on session `id` of `repo` with the session marked busy (a second request on it
   * meanwhile is refused), then marks it active now.
   */
  async use<T>(repo: string, id: string, fn: (s: UploadSession) => Promise<T>): Promise<T> {
    const s = await this.get(repo, id);
    if (s.busy) throw new ApiError('BLOB_UPLOAD_INVALID', `upload ${id} is busy with another request`);
    s.busy = true;
    try {
      return await fn(s);
    } finally {
      s.busy = false;
      s.lastActive = this.now();
    }
  }

  /** Closes a session and drops its bytes. */
  async discard(s: UploadSession): Promise<void> {
    this.sessions.delete(s.id);
    await s.writer.abort();
  }

  /** Closes a session whose bytes were committed. */
  finished(s: UploadSession): void {
    this.sessions.delete(s.id);
  }

  /** Drops every expired session. */
  async sweep(): Promise<void> {
    for (const s of [...this.sessions.values()]) if (this.expired(s)) await this.discard(s);
  }

  /** Drops every session (server shutdown). */
  async closeAll(): Promise<void> {
    for (const s of [...this.sessions.values()]) await this.discard(s);
  }

  private expired(s: UploadSession): boolean {
    return !s.busy && this.now() - s.lastActive > this.idleMs;
  }
}
