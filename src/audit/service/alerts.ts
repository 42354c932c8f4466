/**
 * Where alerts go: one JSON line each on the service's output, and optionally a webhook
 * (Slack-compatible `{"text": …}` plus the alert itself). Webhook failures are logged, never
 * retried forever; `flush` waits for those in flight (graceful shutdown).
 */
import { request } from 'undici';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';

/** One alert as emitted. */
export interface Alert {
  time: string;
  /** An event's alert kind, or a reconcile finding's kind. */
  kind: string;
  source: 'event' | 'reconcile';
  message: string;
  registry?: string;
  repo?: string;
  tag?: string;
  digest?: string;
  expected?: string;
  eventId?: string;
  /** The manifest generation the verdict used. */
  generation: number;
}

/** Receives alerts. */
export interface AlertSink {
  send(a: Alert): void;
  /** Resolves when every delivery started so far is done. */
  flush(): Promise<void>;
}

/** Bound on a webhook delivery, so a stuck receiver cannot hold shutdown. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** JSON lines to `write`, and a POST to `webhook` when given. */
export function alertSink(write: (line: string) => void, opts: { webhook?: string; logger: Logger }): AlertSink {
  const pending = new Set<Promise<void>>();
  const post = async (a: Alert): Promise<void> => {
    try {
      const res = await request(opts.webhook!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `kpromo audit: ${a.kind}: ${a.message}`, alert: a }),
        headersTimeout: WEBHOOK_TIMEOUT_MS,
        bodyTimeout: WEBHOOK_TIMEOUT_MS,
      });
      await res.body.dump();
      if (res.statusCode >= 300) opts.logger.warn(`alert webhook answered ${res.statusCode}`);
    } catch (err) {
      opts.logger.warn(`alert webhook failed: ${errorMessage(err)}`);
    }
  };
  return {
    send(a) {
      write(`${JSON.stringify(a)}\n`);
      if (!opts.webhook) return;
      const p = post(a).finally(() => pending.delete(p));
      pending.add(p);
    },
    async flush() {
      await Promise.all([...pending]);
    },
  };
}
