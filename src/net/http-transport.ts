/**
 * The base Transport on undici: one pooled keep-alive Agent per registry host, bounded
 * connections, connect/headers/body-idle timeouts, AbortSignal, and TLS with the system CAs
 * plus an optional extra CA file. Redirects are not followed here: the registry client follows
 * them itself so it can drop credentials across hosts. Policy (rate limit, retry, stats) is
 * added by decorators over this transport.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { rootCertificates } from 'node:tls';
import type { Agent as AgentType, Dispatcher } from 'undici';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';
import { VERSION } from '../version.js';

// undici's entry point also loads fetch, WebSocket, caches and more (≈ 0.1 s at every start);
// this transport needs only the Agent and the request API, so it loads those two modules
// (undici is pinned, and its package has no `exports` map restricting these paths).
const require = createRequire(import.meta.url);
const Agent = require('undici/lib/dispatcher/agent.js') as typeof AgentType;
const requestApi = (require('undici/lib/api/api-request.js') as (this: Dispatcher, o: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>);

/** Options of the undici transport. */
export interface HttpTransportOptions {
  /** Connections per host (default 8). */
  connections?: number;
  /** TCP+TLS connect timeout in ms (default 30 s). */
  connectTimeoutMs?: number;
  /** Time to wait for response headers in ms (default 60 s). */
  headersTimeoutMs?: number;
  /** Longest pause between body chunks in ms (default 60 s): a stalled stream fails instead of hanging. */
  bodyIdleTimeoutMs?: number;
  /** Idle time after which a pooled connection is closed (default 30 s). */
  keepAliveTimeoutMs?: number;
  /** A PEM file of extra CAs trusted in addition to the system ones. */
  caFile?: string;
  /** PEM text of extra CAs (tests; alternative to caFile). */
  ca?: string;
  /** User-Agent header (default `kpromo/<version>`). */
  userAgent?: string;
}

/** Defaults: sane for registries behind CDNs; a stalled connection fails within a minute (promo-tools #1763). */
export const DEFAULT_HTTP_TRANSPORT = {
  connections: 8,
  connectTimeoutMs: 30_000,
  headersTimeoutMs: 60_000,
  bodyIdleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 30_000,
} as const;

/** The User-Agent kpromo sends. */
export const USER_AGENT = `kpromo/${VERSION}`;

/** Creates the undici base transport. */
export function createHttpTransport(options: HttpTransportOptions = {}): Transport {
  return new UndiciTransport(options);
}

class UndiciTransport implements Transport {
  private readonly agents = new Map<string, AgentType>();
  private readonly ca: string[] | undefined;
  private readonly userAgent: string;
  private closed = false;

  constructor(private readonly options: HttpTransportOptions) {
    const extra = [options.ca, options.caFile ? readFileSync(options.caFile, 'utf8') : undefined].filter(
      (x): x is string => Boolean(x),
    );
    // Passing `ca` replaces Node's default trust store, so add the system roots back explicitly.
    this.ca = extra.length ? [...rootCertificates, ...extra] : undefined;
    this.userAgent = options.userAgent ?? USER_AGENT;
  }

  private agentFor(url: URL): AgentType {
    const key = url.origin;
    let agent = this.agents.get(key);
    if (!agent) {
      const o = { ...DEFAULT_HTTP_TRANSPORT, ...definedOnly(this.options) };
      agent = new Agent({
        connections: o.connections,
        headersTimeout: o.headersTimeoutMs,
        bodyTimeout: o.bodyIdleTimeoutMs,
        keepAliveTimeout: o.keepAliveTimeoutMs,
        connect: { timeout: o.connectTimeoutMs, ...(this.ca ? { ca: this.ca } : {}) },
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    if (this.closed) throw new Error('transport is closed');
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
    const url = req.url;
    // what undici's `request(url, opts)` does before calling the dispatcher's request
    const res = await requestApi.call(this.agentFor(url), {
      origin: url.origin,
      path: url.search ? `${url.pathname}${url.search}` : url.pathname,
      method: req.method,
      headers,
      body: req.body,
      signal: req.signal,
      // undici closes the connection after every HEAD unless told otherwise (in case a server
      // sends a body with it); registries do not, and a plan is mostly HEADs, so keep it open.
      ...(req.method === 'HEAD' ? { reset: false } : {}),
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  }

  async close(): Promise<void> {
    this.closed = true;
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close()));
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
