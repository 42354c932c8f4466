/**
 * Runs the auditor in-process for tests, with its alert stream as a list and waits on it (an
 * alert, or a number of classified events), never on time alone.
 */
import { EventEmitter } from 'node:events';
import { MemoryLogger } from '../../src/log.js';
import { createHttpTransport } from '../../src/net/http-transport.js';
import { createNetwork } from '../../src/net/policy.js';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import type { Alert } from '../../src/audit/service/alerts.js';
import { startAudit, type AuditServeOptions, type RunningAudit } from '../../src/audit/service/run.js';
import type { Classification } from '../../src/audit/classify.js';
import type { RegistryEvent } from '../../src/audit/events.js';

/** The shared secret of the tests' senders. */
export const TOKEN = 'test-audit-secret';

/** A running auditor and what it said. */
export interface TestAuditor extends RunningAudit {
  url: string;
  alerts: Alert[];
  classified: { event: RegistryEvent; verdict: Classification }[];
  logger: MemoryLogger;
  /** Resolves with the first alert (past or future) matching `pred`; rejects after `within` classified events or the bound. */
  waitForAlert(pred: (a: Alert) => boolean, within?: number): Promise<Alert>;
  /** Resolves with the first classified event (past or future) matching `pred`. */
  waitForEvent(pred: (c: { event: RegistryEvent; verdict: Classification }) => boolean): Promise<{ event: RegistryEvent; verdict: Classification }>;
  metricsText(): Promise<string>;
}

/** Upper bound of any wait (a failed test ends instead of hanging). */
const WAIT_BOUND_MS = 20_000;

/** Starts an auditor on 127.0.0.1 (`port` 0: any free one). */
export async function startTestAuditor(opts: Partial<AuditServeOptions> & Pick<AuditServeOptions, 'manifests'>): Promise<TestAuditor> {
  const logger = new MemoryLogger();
  const net = createNetwork({ base: createHttpTransport(), retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5 } });
  const client = createHttpRegistryClient({ transport: net.transport, retry: net.retry, logger });
  const alerts: Alert[] = [];
  const classified: TestAuditor['classified'] = [];
  const bus = new EventEmitter();
  const running = await startAudit(
    {
      host: '127.0.0.1',
      port: 0,
      secret: TOKEN,
      reconcileIntervalMs: 0,
      manifestCheckIntervalMs: 0,
      ...opts,
      onClassified: (event, verdict, at) => {
        classified.push({ event, verdict });
        opts.onClassified?.(event, verdict, at);
        bus.emit('change');
      },
    },
    {
      client,
      logger,
      writeAlert: (line) => {
        alerts.push(JSON.parse(line) as Alert);
        bus.emit('change');
      },
    },
  );
  const waitUntil = <T>(check: () => T | undefined, what: () => string): Promise<T> =>
    new Promise((resolve, reject) => {
      const done = (): void => {
        let v: T | undefined;
        try {
          v = check();
        } catch (err) {
          finish();
          return reject(err as Error);
        }
        if (v !== undefined) {
          finish();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`gave up waiting for ${what()}`));
      }, WAIT_BOUND_MS);
      const finish = (): void => {
        clearTimeout(timer);
        bus.off('change', done);
      };
      bus.on('change', done);
      done();
    });
  return {
    ...running,
    url: `http://${running.address}`,
    alerts,
    classified,
    logger,
    waitForAlert(pred, within) {
      const start = classified.length;
      return waitUntil(
        () => {
          const hit = alerts.find(pred);
          if (hit) return hit;
          if (within !== undefined && classified.length - start > within) throw new Error(`no such alert within ${within} events: ${JSON.stringify(alerts)}`);
          return undefined;
        },
        () => `an alert; have ${JSON.stringify(alerts)}`,
      );
    },
    waitForEvent(pred) {
      return waitUntil(() => classified.find(pred), () => `a classified event; have ${JSON.stringify(classified)}`);
    },
    metricsText: () => running.metrics.registry.metrics(),
    async stop() {
      await running.stop();
      await client.close();
      await net.close();
    },
  };
}
