/**
 * Wires the auditor: manifests (loaded and watched), metrics, alert sinks, the service and its
 * HTTP server. The caller owns the registry client and decides when to stop.
 */
import type { Logger } from '../../log.js';
import type { ManifestSource } from '../../manifest/schema.js';
import type { RegistryClient } from '../../registry/types.js';
import type { Classification } from '../classify.js';
import type { RegistryEvent } from '../events.js';
import type { ReadOptions } from '../read.js';
import { alertSink } from './alerts.js';
import { ManifestWatcher } from './manifests.js';
import { AuditMetrics } from './metrics.js';
import { startAuditServer } from './server.js';
import { AuditService } from './service.js';

/** Options of a running auditor. */
export interface AuditServeOptions {
  manifests: ManifestSource;
  host: string;
  port: number;
  /** Shared secret of event senders. */
  secret: string;
  /** Reconcile period (0: only at start). */
  reconcileIntervalMs: number;
  /** Period of the manifest check backing up fs.watch. */
  manifestCheckIntervalMs: number;
  webhook?: string;
  queueCapacity?: number;
  workers?: number;
  read?: ReadOptions;
  onClassified?: (e: RegistryEvent, c: Classification, receivedAt: bigint) => void;
}

/** A running auditor. */
export interface RunningAudit {
  /** `host:port` of its HTTP server. */
  address: string;
  service: AuditService;
  metrics: AuditMetrics;
  manifests: ManifestWatcher;
  /** Graceful stop: no new requests, the events in hand classified, alerts delivered. */
  stop(): Promise<void>;
}

/** Starts the auditor; throws (nothing left running) when the manifests or the address are unusable. */
export async function startAudit(
  opts: AuditServeOptions,
  deps: { client: RegistryClient; logger: Logger; writeAlert: (line: string) => void; now?: () => Date },
): Promise<RunningAudit> {
  const metrics = new AuditMetrics();
  const manifests = new ManifestWatcher(opts.manifests, {
    checkIntervalMs: opts.manifestCheckIntervalMs,
    logger: deps.logger,
    onChange: (s) => {
      metrics.generation.set(s.generation);
      void service.reconcile(); // new declarations: check the registries against them now
    },
    onError: () => metrics.reloadErrors.inc(),
  });
  metrics.generation.set((await manifests.start()).generation);
  const alerts = alertSink(deps.writeAlert, { webhook: opts.webhook, logger: deps.logger });
  const service: AuditService = new AuditService(
    { client: deps.client, manifests, alerts, metrics, logger: deps.logger, ...(deps.now ? { now: deps.now } : {}) },
    { reconcileIntervalMs: opts.reconcileIntervalMs, queueCapacity: opts.queueCapacity, workers: opts.workers, read: opts.read, onClassified: opts.onClassified },
  );
  let server;
  try {
    server = await startAuditServer(opts.host, opts.port, { secret: opts.secret, intake: service, metrics, logger: deps.logger });
  } catch (err) {
    manifests.close();
    throw err;
  }
  service.start();
  let stopped: Promise<void> | undefined;
  return {
    address: server.address,
    service,
    metrics,
    manifests,
    stop: () =>
      (stopped ??= (async () => {
        const closing = server.close();
        await service.stop();
        await closing;
        manifests.close();
      })()),
  };
}
