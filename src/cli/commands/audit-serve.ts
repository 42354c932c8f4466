/**
 * `kpromo audit serve --listen ADDR --token-file F (--manifest F | --thin-manifest-dir D)`: the
 * long-running auditor. Registries send events to `/events/distribution` (Distribution's
 * notifications) or `/events/pubsub` (GCR / Artifact Registry Pub/Sub push); alerts go to stdout
 * as JSON lines and to `--alert-webhook`; `/metrics`, `/healthz`, `/readyz` as usual. Runs until
 * SIGINT/SIGTERM, then finishes the events in hand and exits 0.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { FlagReader, FlagSpec } from '../flags.js';
import { ExitCode, type CliIO, type SetExit } from '../io.js';
import { readNetworkOptions } from '../network-options.js';
import { readTrustExpectations } from './audit-options.js';

/** Flags of `audit serve` only (marked [serve] in the help). */
export const SERVE_FLAGS: FlagSpec[] = ([
  { name: 'listen', kind: 'string', arg: '<host:port>', default: '127.0.0.1:8080', description: 'address to serve events, /metrics, /healthz and /readyz on (0.0.0.0:8080 in a pod)' },
  { name: 'token-file', kind: 'string', arg: '<file>', description: 'file holding the shared secret senders must present (as an Authorization bearer value, an X-Kpromo-Signature HMAC of the body, or ?token= for Pub/Sub)' },
  { name: 'alert-webhook', kind: 'string', arg: '<url>', description: 'also POST each alert here as Slack-compatible JSON {"text": …}' },
  { name: 'reconcile-interval', kind: 'string', arg: '<duration>', default: '10m', description: 'run the full audit this often (and at start); 0 for only at start' },
  { name: 'manifest-check-interval', kind: 'string', arg: '<duration>', default: '30s', description: 'check the manifests for changes this often, beside file watching' },
  { name: 'queue-size', kind: 'int', default: 10_000, description: 'events held at most; beyond, senders get 503 with Retry-After' },
  { name: 'workers', kind: 'int', default: 8, description: 'events classified at once' },
] as FlagSpec[]).map((s) => ({ ...s, description: `[serve] ${s.description}` }));

/** Parses `90`, `500ms`, `30s`, `10m`, `1h` into milliseconds. */
export function parseDuration(flag: string, v: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new InputError([{ message: `--${flag} must be a duration such as 30s, 10m or 1h, got ${JSON.stringify(v)}` }]);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

/** Runs `kpromo audit serve` with the parsed flags until SIGINT/SIGTERM. */
export async function runServeCommand(f: FlagReader, io: CliIO, logger: Logger, setExit: SetExit): Promise<void> {
  const manifest = f.str('manifest');
  const thin = f.str('thin-manifest-dir');
  if (!manifest && !thin) f.fail('give --manifest FILE or --thin-manifest-dir DIR');
  const tokenFile = f.str('token-file');
  if (!tokenFile) f.fail('give --token-file FILE: event senders must authenticate');
  const listen = f.str('listen') ?? '127.0.0.1:8080';
  const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(listen);
  if (!m) f.fail(`--listen must be host:port, got ${JSON.stringify(listen)}`);
  const webhook = f.str('alert-webhook');
  if (webhook !== undefined && !/^https?:\/\/[^/\s$]+/.test(webhook)) f.fail(`--alert-webhook must be an http(s) URL, got ${JSON.stringify(webhook)}`);
  const trust = readTrustExpectations(f);
  const network = readNetworkOptions(f);
  const perHost = f.int('requests-per-host', 1, 1000);
  const queueCapacity = f.int('queue-size', 1, 10_000_000);
  const workers = f.int('workers', 1, 1000);
  if (f.problems.length) throw new InputError(f.problems);
  const reconcileIntervalMs = parseDuration('reconcile-interval', f.str('reconcile-interval') ?? '10m');
  const manifestCheckIntervalMs = parseDuration('manifest-check-interval', f.str('manifest-check-interval') ?? '30s');
  const secret = (await readFile(tokenFile!, 'utf8').catch((err: Error) => {
    throw new InputError([{ message: `--token-file ${tokenFile}: ${err.message}` }]);
  })).trim();
  if (!secret) throw new InputError([{ message: `--token-file ${tokenFile} is empty` }]);
  const [{ startAudit }, { createNetworkedClient }] = await Promise.all([import('../../audit/service/run.js'), import('../network-client.js')]);
  const { client, network: net } = createNetworkedClient(network, { logger, env: io.env });
  const until = untilSignal();
  try {
    const running = await startAudit(
      {
        manifests: { manifest, thinManifestDir: thin },
        host: m![1]!.replace(/^\[|\]$/g, '') || '0.0.0.0',
        port: Number(m![2]),
        secret,
        reconcileIntervalMs,
        manifestCheckIntervalMs,
        webhook,
        queueCapacity,
        workers,
        read: { perHost, trust },
      },
      { client, logger, writeAlert: io.stdout },
    ).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
        throw new InputError([{ message: `--listen ${listen}: cannot listen (${err.code})` }]);
      }
      throw err;
    });
    logger.info(`audit serve listening on ${running.address}`);
    const sig = await until.promise;
    logger.info(`${sig}: finishing the events in hand`);
    await running.stop();
    logger.info('audit serve stopped');
    setExit(ExitCode.ok);
  } finally {
    until.cancel();
    await client.close();
    await net.close();
  }
}

/** The first SIGINT or SIGTERM; `cancel` removes the listeners. */
function untilSignal(): { promise: Promise<NodeJS.Signals>; cancel(): void } {
  let on: (sig: NodeJS.Signals) => void = () => {};
  const cancel = (): void => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    on = (sig) => {
      cancel();
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  return { promise, cancel };
}
