/**
 * The auditor's core, without HTTP: takes parsed registry events into a bounded queue,
 * classifies each against the manifests in use (looking up what an untagged, undeclared
 * manifest is when the classifier asks), sends alerts, and reconciles periodically by running
 * the one-shot audit, so what happened while no event arrived (or the service was down) is seen.
 * Stateless: everything it knows comes from the manifests and the registries.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../../errors.js';
import type { Digest, RepoRef } from '../../image/ref.js';
import { repoKey } from '../../image/ref.js';
import type { Logger } from '../../log.js';
import { indexEntries } from '../../registry/manifest-json.js';
import { isIndexMediaType, type RegistryClient } from '../../registry/types.js';
import { auditRegistries } from '../audit.js';
import { classifyEvent, type Classification, type Resolved } from '../classify.js';
import { findDeclared, type DeclaredRepo } from '../declared.js';
import type { RegistryEvent } from '../events.js';
import type { Finding } from '../findings.js';
import type { ReadOptions } from '../read.js';
import type { Alert, AlertSink } from './alerts.js';
import type { ManifestWatcher } from './manifests.js';
import type { AuditMetrics } from './metrics.js';
import { WorkQueue } from './queue.js';

/** Source manifest reads in flight at once for lookups (the network policy limits per host beneath). */
const LOOKUP_READS = 16;

/** Defaults of the service. */
export const DEFAULT_QUEUE_CAPACITY = 10_000;
export const DEFAULT_WORKERS = 8;

/** What the service is built from. */
export interface AuditServiceDeps {
  client: RegistryClient;
  manifests: ManifestWatcher;
  alerts: AlertSink;
  metrics: AuditMetrics;
  logger: Logger;
  now?: () => Date;
}

/** Options of the service. */
export interface AuditServiceOptions {
  queueCapacity?: number;
  workers?: number;
  /** Reconcile period; 0: only the reconcile at start. */
  reconcileIntervalMs: number;
  /** How the reconcile reads the registries. */
  read?: ReadOptions;
  /** Observes each classification (tests, the load benchmark). */
  onClassified?: (e: RegistryEvent, c: Classification, receivedAt: bigint) => void;
}

interface Queued {
  event: RegistryEvent;
  receivedAt: bigint;
}

/** The auditor. */
export class AuditService {
  private readonly queue: WorkQueue<Queued>;
  private readonly now: () => Date;
  /** Children of declared index digests, by digest (content-addressed: kept for the process's life). */
  private readonly children = new Map<Digest, Promise<ReadonlySet<Digest>>>();
  /** Bounds the lookups' reads of source manifests (the first lookup in a repository reads all its declared digests). */
  private readonly reads = pLimit(LOOKUP_READS);
  private lastFindings = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  /** A reconcile was asked for while one ran (e.g. the manifests changed): run once more after it. */
  private again = false;
  private stopping = false;

  constructor(
    private readonly deps: AuditServiceDeps,
    private readonly opts: AuditServiceOptions,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.queue = new WorkQueue(opts.queueCapacity ?? DEFAULT_QUEUE_CAPACITY, opts.workers ?? DEFAULT_WORKERS, (q) => this.process(q), (err) =>
      deps.logger.error(`classifying an event failed: ${errorMessage(err)}`),
    );
    deps.metrics.watchQueue(() => this.queue.depth);
  }

  /** Whether the service takes events (manifests loaded, not shutting down). */
  get ready(): boolean {
    return !this.stopping;
  }

  /** Queues a batch of events whole; false when the queue cannot take it all (answer 503). */
  offer(events: readonly RegistryEvent[]): boolean {
    const receivedAt = process.hrtime.bigint();
    const ok = this.queue.offer(events.map((event) => ({ event, receivedAt })));
    if (ok) for (const e of events) this.deps.metrics.events.inc({ registry: e.registry, action: e.action });
    return ok;
  }

  /** Starts the periodic reconcile (the first one runs at once). */
  start(): void {
    void this.reconcile();
    if (this.opts.reconcileIntervalMs > 0) {
      this.timer = setInterval(() => void this.reconcile(), this.opts.reconcileIntervalMs);
      this.timer.unref();
    }
  }

  /** Stops taking events, finishes those in hand and the reconcile under way, flushes alerts. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.queue.drained();
    await this.reconciling;
    await this.deps.alerts.flush();
  }

  /**
   * Runs the one-shot audit against the manifests in use; alerts findings not seen by the
   * previous one. Asked while one runs, it runs once more after it (with the manifests then in
   * use); the promise resolves when the last of those is done.
   */
  reconcile(): Promise<void> {
    if (this.reconciling) {
      this.again = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.again = false;
        await this.reconcileOnce();
      } while (this.again && !this.stopping);
    })().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    const snap = this.deps.manifests.current();
    const started = process.hrtime.bigint();
    try {
      const report = await auditRegistries(this.deps.client, snap.edges, this.opts.read);
      const seen = new Set<string>();
      for (const f of report.findings) {
        const key = findingKey(f);
        seen.add(key);
        if (!this.lastFindings.has(key)) this.emit(reconcileAlert(f, snap.generation, this.now()));
      }
      this.lastFindings = seen;
      this.deps.metrics.reconcileFindings.set(report.findings.length);
      this.deps.logger.info(`reconcile: ${report.findings.length} findings in ${report.repositories} repositories (generation ${snap.generation})`);
    } catch (err) {
      this.deps.logger.error(`reconcile failed: ${errorMessage(err)}`);
    } finally {
      this.deps.metrics.reconcileDuration.set(Number(process.hrtime.bigint() - started) / 1e9);
      this.deps.metrics.reconcileLast.set(this.now().getTime() / 1000);
    }
  }

  private async process({ event, receivedAt }: Queued): Promise<void> {
    const snap = this.deps.manifests.current();
    let c = classifyEvent(event, snap.declared);
    if (c.verdict === 'resolve') {
      const repo = findDeclared(snap.declared, event.host, event.repository)!;
      c = classifyEvent(event, snap.declared, await this.resolve(repo, c.digest));
    }
    this.opts.onClassified?.(event, c, receivedAt);
    if (c.verdict !== 'alert') return;
    this.emit({
      time: this.now().toISOString(),
      kind: c.kind,
      source: 'event',
      message: c.message,
      registry: event.registry,
      repo: `${event.host ? `${event.host}/` : ''}${event.repository}`,
      ...(event.tag ? { tag: event.tag } : {}),
      ...(event.digest ? { digest: event.digest } : {}),
      ...(c.expected ? { expected: c.expected } : {}),
      ...(event.id ? { eventId: event.id } : {}),
      generation: snap.generation,
    });
  }

  private emit(a: Alert): void {
    this.deps.metrics.alerts.inc({ kind: a.kind });
    this.deps.alerts.send(a);
  }

  /**
   * What an untagged, undeclared manifest in a declared repository is: a referrer (it names a
   * `subject`), or a child of a declared index (read from the index's source, since a promotion
   * copies children before their index). One GET of the pushed manifest, plus one per declared
   * digest of the repository not read before (in parallel; content-addressed, so kept).
   */
  private async resolve(repo: DeclaredRepo, digest: Digest): Promise<Resolved> {
    try {
      const m = await this.deps.client.getManifest(repo.repo, digest).catch(() => undefined);
      if (m && (JSON.parse(Buffer.from(m.bytes).toString('utf8')) as { subject?: unknown }).subject !== undefined) return { attachment: true };
      const sets = await Promise.all([...repo.digests].map(([d, src]) => this.reads(() => this.childrenOf(src, d))));
      return sets.some((c) => c.has(digest)) ? { childOfDeclared: true } : {};
    } catch (err) {
      this.deps.logger.warn(`cannot tell what ${repoKey(repo.repo)}@${digest} is: ${errorMessage(err)}`);
      return {};
    }
  }

  private childrenOf(src: RepoRef, d: Digest): Promise<ReadonlySet<Digest>> {
    let p = this.children.get(d);
    if (!p) {
      p = this.deps.client.getManifest(src, d).then((m) => new Set(isIndexMediaType(m.mediaType) ? indexEntries(m.bytes).map((c) => c.digest) : []));
      this.children.set(d, p);
      p.catch(() => this.children.get(d) === p && this.children.delete(d));
    }
    return p;
  }
}

const findingKey = (f: Finding): string => `${f.kind} ${f.repo} ${f.tag ?? ''} ${f.digest ?? ''}`;

function reconcileAlert(f: Finding, generation: number, now: Date): Alert {
  const what = f.tag ? `${f.repo}:${f.tag}` : `${f.repo}${f.digest ? `@${f.digest}` : ''}`;
  const message =
    f.kind === 'tag-moved'
      ? `${what} names ${f.digest}, the manifests declare ${f.expected}`
      : f.kind === 'unreadable'
        ? (f.detail ?? `${what} unreadable`)
        : `${f.kind}: ${what}${f.detail ? ` (${f.detail})` : ''}`;
  return {
    time: now.toISOString(),
    kind: f.kind,
    source: 'reconcile',
    message,
    repo: f.repo,
    ...(f.tag ? { tag: f.tag } : {}),
    ...(f.digest ? { digest: f.digest } : {}),
    ...(f.expected ? { expected: f.expected } : {}),
    generation,
  };
}
