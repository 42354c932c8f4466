/**
 * The request core of the registry client: pings each host once to learn its challenge,
 * authorises every request for the scopes it needs, answers a 401 by renewing credentials once,
 * follows redirects itself (at most 5, dropping Authorization when the origin changes), logs
 * redacted lines, and turns failures into RegistryErrors.
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../../log.js';
import { HostPausedError } from '../../net/host-paused.js';
import { headerValue, type HttpMethod, type HttpResponse, type RequestKind, type Transport } from '../../net/transport.js';
import { discard, readPrefix } from '../digest.js';
import { RegistryError, isAbortError, isNetworkError, parseDiagnostics } from '../errors.js';
import type { Side } from '../types.js';
import type { Authenticator } from './auth.js';
import { apiBase, redactUrl, resolveLocation } from './urls.js';

/** Longest error body read (ggcr caps at 64 KiB too). */
export const ERROR_BODY_CAP = 64 * 1024;
/** Redirects followed per request. */
export const MAX_REDIRECTS = 5;
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

/** One request as the operations describe it. */
export interface Call {
  op: string;
  /** `host/repo[:tag|@digest]` for errors and logs. */
  reference: string;
  host: string;
  method: HttpMethod;
  url: URL;
  kind: RequestKind;
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: Uint8Array | Readable;
  /** Statuses returned to the caller instead of thrown (e.g. 404 for "absent"). */
  ok: readonly number[];
  side?: Side;
  signal?: AbortSignal;
}

/** Sends Calls with auth, redirects and error mapping. */
export class Session {
  private readonly pings = new Map<string, Promise<void>>();
  constructor(
    private readonly transport: Transport,
    private readonly auth: Authenticator,
    private readonly logger: Logger,
    private readonly insecure: readonly string[],
    private readonly secure: readonly string[] = [],
  ) {}

  /** The `/v2/` base URL of a host. */
  base(host: string): URL {
    return apiBase(host, this.insecure, this.secure);
  }

  /** GETs `/v2/` once per host (again when `force`) and records the challenge it answers with. */
  ping(host: string, ctx: { signal?: AbortSignal; side?: Side }, force = false): Promise<void> {
    let p = this.pings.get(host);
    if (!p || force) {
      p = this.doPing(host, ctx);
      this.pings.set(host, p);
      // a failed ping is not remembered, so a retry pings again
      p.catch(() => this.pings.get(host) === p && this.pings.delete(host));
    }
    return p;
  }

  private async doPing(host: string, ctx: { signal?: AbortSignal; side?: Side }): Promise<void> {
    const url = this.base(host);
    const res = await this.raw({ op: 'ping', reference: host, host, method: 'GET', url, kind: 'ping', scopes: [], ok: [], signal: ctx.signal, side: ctx.side }, undefined);
    discard(res.body);
    if (res.status === 200) return this.auth.setChallenge(host, undefined);
    if (res.status === 401) return this.auth.setChallenge(host, headerValue(res, 'www-authenticate'));
    throw await toError(res, { op: 'ping', reference: host, side: ctx.side }, 'registry API not available at /v2/');
  }

  /** Sends a call; returns responses with 2xx or an `ok` status, throws RegistryError otherwise. */
  async send(call: Call): Promise<HttpResponse> {
    await this.ping(call.host, { signal: call.signal, side: call.side });
    let scopes = call.scopes;
    let res = await this.follow(call, await this.authorize(call, scopes));
    const replayable = !(call.body && !(call.body instanceof Uint8Array));
    if (res.status === 401 && replayable) {
      // expired token, or the registry wants more scopes than we asked for: renew once
      const header = headerValue(res, 'www-authenticate');
      discard(res.body);
      if (header) this.auth.setChallenge(call.host, header);
      this.auth.invalidate(call.host, scopes);
      const extra = this.auth.challengeScopes(header).filter((s) => !scopes.includes(s));
      scopes = [...scopes, ...extra];
      res = await this.follow(call, await this.authorize(call, scopes));
    }
    if ((res.status >= 200 && res.status < 300) || call.ok.includes(res.status)) return res;
    throw await toError(res, call, statusText(res.status));
  }

  /** The Authorization value for a call; credential-store failures become RegistryErrors too. */
  private async authorize(call: Call, scopes: readonly string[]): Promise<string | undefined> {
    try {
      return await this.auth.authorization(call.host, scopes, { signal: call.signal, side: call.side });
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw new RegistryError(`getting credentials failed: ${safeMessage(err)}`, { op: call.op, reference: call.reference, side: call.side, retryable: false, cause: err });
    }
  }

  /** Sends, following redirects for GET/HEAD; Authorization only goes to the registry's own origin. */
  private async follow(call: Call, authorization: string | undefined): Promise<HttpResponse> {
    let url = call.url;
    for (let hop = 0; ; hop++) {
      // credentials are for the registry host only, never for storage hosts it redirects to
      const sameHost = url.host === call.host && url.protocol === this.base(call.host).protocol;
      const res = await this.raw({ ...call, url }, sameHost ? authorization : undefined);
      const location = headerValue(res, 'location');
      const redirectable = call.method === 'GET' || call.method === 'HEAD';
      if (!REDIRECT_STATUS.has(res.status) || !location || !redirectable) return res;
      discard(res.body);
      if (hop >= MAX_REDIRECTS) {
        throw new RegistryError(`more than ${MAX_REDIRECTS} redirects`, { op: call.op, reference: call.reference, side: call.side, status: res.status, retryable: false });
      }
      url = resolveLocation(url, location);
    }
  }

  /** One transport request with logging and network-error mapping. */
  private async raw(call: Call, authorization: string | undefined): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...call.headers };
    if (authorization) headers.authorization = authorization;
    try {
      const res = await this.transport.request({ method: call.method, url: call.url, headers, body: call.body, kind: call.kind, signal: call.signal });
      this.logger.debug('registry request', { method: call.method, url: redactUrl(call.url), kind: call.kind, status: res.status });
      return res;
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      if (err instanceof HostPausedError) {
        throw new RegistryError(err.message, { op: call.op, reference: call.reference, side: call.side, retryable: false, cause: err });
      }
      this.logger.debug('registry request failed', { method: call.method, url: redactUrl(call.url), kind: call.kind, error: safeMessage(err) });
      const aborted = isAbortError(err) || call.signal?.aborted === true;
      throw new RegistryError(aborted ? 'aborted' : `request to ${redactUrl(call.url)} failed: ${safeMessage(err)}`, {
        op: call.op,
        reference: call.reference,
        side: call.side,
        retryable: !aborted && isNetworkError(err),
        cause: err,
      });
    }
  }
}

/** Builds a RegistryError from a failed response, reading at most 64 KiB of its body. */
export async function toError(
  res: HttpResponse,
  where: { op: string; reference: string; side?: Side },
  message: string,
): Promise<RegistryError> {
  const diagnostics = parseDiagnostics(await readPrefix(res.body, ERROR_BODY_CAP));
  const said = diagnostics.map((d) => d.message).filter(Boolean).join('; ');
  return new RegistryError(said ? `${message}: ${said.slice(0, 300)}` : message, { ...where, status: res.status, diagnostics });
}

function statusText(status: number): string {
  if (status === 401) return 'unauthorized (missing or wrong credentials)';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not found';
  if (status === 429) return 'rate limited';
  return `unexpected status ${status}`;
}

/** An error's message with anything URL-like redacted (undici messages may echo URLs). */
function safeMessage(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  const msg = err instanceof Error ? err.message : String(err);
  const redacted = msg.replace(/\bhttps?:\/\/\S+/g, (u) => redactUrl(u));
  // a system code (ECONNREFUSED, UND_ERR_…) helps when the message lacks it; kpromo's own codes are internal
  const system = typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+|ERR_[A-Z_]+)$/.test(code) && !redacted.includes(code);
  return system ? `${code}: ${redacted}` : redacted;
}
