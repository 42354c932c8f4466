/**
 * The auditor's HTTP face: event intake (one path per sender format), health, readiness and
 * Prometheus metrics. Event requests are authenticated (401), parsed whole (400 on any
 * malformed event, and then none of the batch is taken), and queued whole (503 with
 * Retry-After when the queue is full, so the registry sends them again); 202 when taken.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { EventFormatError, parseDistributionEnvelope, parsePubSubPush, type RegistryEvent } from '../events.js';
import { authenticated, SIGNATURE_HEADER } from './auth.js';
import type { AuditMetrics } from './metrics.js';

/** Paths of the event intake. */
export const EVENT_PATHS = { distribution: '/events/distribution', pubsub: '/events/pubsub' } as const;
/** Largest event request read (Distribution batches are small; Pub/Sub messages are at most 10 MB, audit messages tiny). */
export const MAX_EVENT_BODY_BYTES = 1024 * 1024;
/**
 * HMAC-signed bodies read at once before their signature can be checked (each up to
 * MAX_EVENT_BODY_BYTES): more are answered 503, so unauthenticated senders cannot make the
 * service buffer without bound. A registry's notifications come a few at a time.
 */
export const MAX_UNVERIFIED_BODIES = 32;
/** Longest time to receive a whole request (Node's default is 5 minutes): a trickling body frees its slot. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Seconds a sender is asked to wait when the queue is full. */
export const RETRY_AFTER_SECONDS = 5;

/** What the HTTP layer needs from the service. */
export interface EventIntake {
  ready: boolean;
  offer(events: readonly RegistryEvent[]): boolean;
}

/** Options of the server. */
export interface AuditServerOptions {
  secret: string;
  /** HMAC-signed bodies read at once (default MAX_UNVERIFIED_BODIES). */
  maxUnverifiedBodies?: number;
  intake: EventIntake;
  metrics: AuditMetrics;
  logger: Logger;
}

/** A listening server. */
export interface AuditServer {
  /** `host:port` it listens on. */
  address: string;
  server: Server;
  /** Stops accepting connections and waits for the requests in progress. */
  close(): Promise<void>;
}

const parsers: Record<string, (body: unknown) => RegistryEvent[]> = {
  [EVENT_PATHS.distribution]: parseDistributionEnvelope,
  [EVENT_PATHS.pubsub]: parsePubSubPush,
};

/** Starts the server on `host:port`. */
export async function startAuditServer(host: string, port: number, opts: AuditServerOptions): Promise<AuditServer> {
  const unverified = { reading: 0, max: opts.maxUnverifiedBodies ?? MAX_UNVERIFIED_BODIES };
  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    handle(req, res, opts, unverified).catch((err) => {
      opts.logger.error(`request failed: ${errorMessage(err)}`);
      if (!res.headersSent) reply(res, 500, 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    address: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: AuditServerOptions, unverified: { reading: number; max: number }): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://audit');
  if (req.method === 'GET' && url.pathname === '/healthz') return reply(res, 200, 'ok');
  if (req.method === 'GET' && url.pathname === '/readyz') return opts.intake.ready ? reply(res, 200, 'ready') : reply(res, 503, 'not ready');
  if (req.method === 'GET' && url.pathname === '/metrics') {
    const text = await opts.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': opts.metrics.registry.contentType });
    return void res.end(text);
  }
  const parse = parsers[url.pathname];
  if (!parse) return reply(res, 404, 'not found');
  if (req.method !== 'POST') return reply(res, 405, 'POST only', { allow: 'POST' });
  const who = {
    authorization: req.headers.authorization,
    signature: req.headers[SIGNATURE_HEADER] as string | undefined,
    ...(url.pathname === EVENT_PATHS.pubsub && url.searchParams.get('token') ? { queryToken: url.searchParams.get('token')! } : {}),
  };
  // A bearer or query secret is checked before the body is read: a sender without any
  // credential costs no buffering. Only an HMAC needs the body first.
  const byToken = authenticated(opts.secret, { authorization: who.authorization, queryToken: who.queryToken }, NO_BODY);
  if (!byToken && who.signature === undefined) return unauthenticated(res, opts.metrics);
  if (!byToken && unverified.reading >= unverified.max) {
    opts.metrics.rejected.inc({ reason: 'busy' });
    return reply(res, 503, 'too many signed requests in progress', { 'retry-after': String(RETRY_AFTER_SECONDS), connection: 'close' });
  }
  const body = byToken ? await readCapped(req, MAX_EVENT_BODY_BYTES) : await readUnverified(req, unverified, opts.metrics);
  if (!body) {
    opts.metrics.rejected.inc({ reason: 'too-large' });
    return reply(res, 413, 'request too large', { connection: 'close' });
  }
  if (!byToken && !authenticated(opts.secret, who, body)) return unauthenticated(res, opts.metrics);
  if (!opts.intake.ready) return reply(res, 503, 'shutting down', { 'retry-after': String(RETRY_AFTER_SECONDS) });
  let events: RegistryEvent[];
  try {
    events = parse(JSON.parse(Buffer.from(body).toString('utf8')));
  } catch (err) {
    opts.metrics.rejected.inc({ reason: 'malformed' });
    const why = err instanceof EventFormatError ? err.message : 'body is not JSON';
    return reply(res, 400, why);
  }
  if (!opts.intake.offer(events)) {
    opts.metrics.rejected.inc({ reason: 'queue-full' });
    return reply(res, 503, 'queue full', { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }
  reply(res, 202, `accepted ${events.length}`);
}

const NO_BODY = new Uint8Array(0);

function unauthenticated(res: ServerResponse, metrics: AuditMetrics): void {
  metrics.rejected.inc({ reason: 'unauthenticated' });
  // the body (if any) is not read: the connection is not reused
  reply(res, 401, 'unauthenticated', { 'www-authenticate': 'Bearer realm="kpromo-audit"', connection: 'close' });
}

function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

/** readCapped for a body read before its sender is known, counted against the cap. */
async function readUnverified(req: IncomingMessage, unverified: { reading: number }, metrics: AuditMetrics): Promise<Uint8Array | undefined> {
  unverified.reading++;
  metrics.unverifiedBodies.set(unverified.reading);
  try {
    return await readCapped(req, MAX_EVENT_BODY_BYTES);
  } finally {
    unverified.reading--;
    metrics.unverifiedBodies.set(unverified.reading);
  }
}

/** The whole body, or undefined when it exceeds `max` bytes (then the rest is not read). */
async function readCapped(req: IncomingMessage, max: number): Promise<Uint8Array | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return undefined;
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) return undefined;
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
