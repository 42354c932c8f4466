/**
 * Keeps the manifests current for the service: loaded at start, reloaded when their files
 * change (fs.watch, plus a periodic check for what watching misses: network file systems,
 * ConfigMap symlink swaps). A change is noticed from the files' paths, sizes and modification
 * times, so a check that finds nothing new parses nothing. A snapshot is swapped in whole: an
 * event is classified against one generation, never half of two. A change that fails to load
 * leaves the previous generation in use.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ManifestSource } from '../../manifest/schema.js';
import type { Edge } from '../../plan/edge.js';
import { planOffline } from '../../plan/offline.js';
import { declaredRepos, type Declared } from '../declared.js';

/** One loaded generation of the manifests. */
export interface ManifestSnapshot {
  /** 1 for the first load, +1 per change loaded. */
  generation: number;
  edges: Edge[];
  declared: Declared;
}

/** Options of the watcher. */
export interface WatchOptions {
  /** Period of the check that backs up fs.watch; 0 disables it. */
  checkIntervalMs: number;
  logger: Logger;
  /** Called after a new generation is in use. */
  onChange?: (s: ManifestSnapshot) => void;
  /** Called when a change fails to load. */
  onError?: (err: unknown) => void;
}

/** Delay that gathers the burst of fs.watch events one edit makes into one check. */
const WATCH_DEBOUNCE_MS = 100;

/** Loads and watches `source`. */
export class ManifestWatcher {
  private snapshot: ManifestSnapshot | undefined;
  private fingerprint = '';
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private checking: Promise<boolean> | undefined;

  constructor(
    readonly source: ManifestSource,
    private readonly opts: WatchOptions,
  ) {}

  /** The generation in use (after `start`). */
  current(): ManifestSnapshot {
    if (!this.snapshot) throw new Error('manifests not loaded yet');
    return this.snapshot;
  }

  /** Loads the first generation (throws on invalid manifests) and starts watching. */
  async start(): Promise<ManifestSnapshot> {
    await this.load();
    const target = this.source.manifest ?? this.source.thinManifestDir!;
    try {
      this.watcher = watch(target, { recursive: !this.source.manifest }, () => this.soon());
      this.watcher.on('error', (err) => this.opts.logger.warn(`watching ${target} failed: ${errorMessage(err)}; periodic checks go on`));
    } catch (err) {
      this.opts.logger.warn(`cannot watch ${target}: ${errorMessage(err)}; periodic checks only`);
    }
    if (this.opts.checkIntervalMs > 0) {
      this.timer = setInterval(() => void this.check(), this.opts.checkIntervalMs);
      this.timer.unref();
    }
    return this.current();
  }

  /** Reloads when the files changed; resolves whether a new generation is in use. One check at a time. */
  check(): Promise<boolean> {
    this.checking ??= this.checkOnce().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Stops watching. */
  close(): void {
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }

  private soon(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.check(), WATCH_DEBOUNCE_MS);
    this.debounce.unref();
  }

  private async checkOnce(): Promise<boolean> {
    try {
      if ((await this.stamp()) === this.fingerprint) return false;
      await this.load();
      return true;
    } catch (err) {
      this.opts.logger.error(`manifests changed but cannot be loaded; generation ${this.snapshot?.generation ?? 0} stays in use: ${errorMessage(err)}`);
      this.opts.onError?.(err);
      return false;
    }
  }

  private async load(): Promise<void> {
    const before = await this.stamp();
    const plan = await planOffline(this.source);
    for (const w of plan.warnings) this.opts.logger.debug(w.message);
    const generation = (this.snapshot?.generation ?? 0) + 1;
    this.snapshot = { generation, edges: plan.edges, declared: declaredRepos(plan.edges) };
    this.fingerprint = before; // a change during the load is seen by the next check
    this.opts.logger.info(`manifests loaded: generation ${generation}, ${plan.edges.length} edges, ${this.snapshot.declared.size} repositories`);
    if (generation > 1) this.opts.onChange?.(this.snapshot);
  }

  /** Paths, sizes and modification times of the manifest files. */
  private async stamp(): Promise<string> {
    const files = this.source.manifest ? [this.source.manifest] : await listFiles(this.source.thinManifestDir!);
    const parts = await Promise.all(
      files.sort().map(async (f) => {
        const s = await stat(f).catch(() => undefined);
        return s ? `${f}:${s.size}:${s.mtimeMs}` : `${f}:gone`;
      }),
    );
    return parts.join('\n');
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => join(e.parentPath ?? e.path, e.name));
}
