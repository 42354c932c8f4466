/** The service's Prometheus metrics (prom-client), on a registry of their own. */
import { Counter, Gauge, Registry } from 'prom-client';

/** Every metric the auditor exports. */
export class AuditMetrics {
  readonly registry = new Registry();
  readonly events = new Counter({ name: 'kpromo_audit_events_total', help: 'Registry events received, by registry and action', labelNames: ['registry', 'action'], registers: [this.registry] });
  readonly alerts = new Counter({ name: 'kpromo_audit_alerts_total', help: 'Alerts sent, by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'kpromo_audit_requests_rejected_total', help: 'Event requests refused, by reason (unauthenticated, malformed, too-large, queue-full, busy)', labelNames: ['reason'], registers: [this.registry] });
  readonly reconcileLast = new Gauge({ name: 'kpromo_audit_last_reconcile_timestamp_seconds', help: 'When the last reconcile finished (Unix seconds)', registers: [this.registry] });
  readonly reconcileDuration = new Gauge({ name: 'kpromo_audit_last_reconcile_duration_seconds', help: 'How long the last reconcile took', registers: [this.registry] });
  readonly reconcileFindings = new Gauge({ name: 'kpromo_audit_last_reconcile_findings', help: 'Findings of the last reconcile', registers: [this.registry] });
  readonly generation = new Gauge({ name: 'kpromo_audit_manifest_generation', help: 'Generation of the manifests in use (1 at start, +1 per change loaded)', registers: [this.registry] });
  readonly reloadErrors = new Counter({ name: 'kpromo_audit_manifest_reload_errors_total', help: 'Manifest changes that failed to load (the previous generation stays in use)', registers: [this.registry] });
  readonly unverifiedBodies = new Gauge({ name: 'kpromo_audit_unverified_bodies', help: 'HMAC-signed request bodies being read before their signature can be checked', registers: [this.registry] });
  private depth: () => number = () => 0;
  readonly queueDepth: Gauge = new Gauge({
    name: 'kpromo_audit_queue_depth',
    help: 'Events waiting or being classified',
    registers: [this.registry],
    collect: (): void => this.queueDepth.set(this.depth()),
  });

  /** Reads the queue depth from `depth` at each scrape. */
  watchQueue(depth: () => number): void {
    this.depth = depth;
  }
}
