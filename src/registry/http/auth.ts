/**
 * Registry authentication: parsing `WWW-Authenticate` challenges, and answering them with
 * Basic credentials or Bearer tokens from the challenge's realm (distribution token spec).
 * Tokens are cached per host and scope set, renewed shortly before `expires_in` runs out, and
 * dropped when the registry answers 401. Tokens and passwords never reach logs or errors.
 */
import { HostPausedError } from '../../net/host-paused.js';
import type { Transport } from '../../net/transport.js';
import { readCapped, readPrefix } from '../digest.js';
import { RegistryError, isNetworkError, parseDiagnostics } from '../errors.js';
import type { Side } from '../types.js';
import type { Credential, CredentialStore } from './credentials.js';
import { checkRealm } from './realm.js';
import { redactUrl } from './urls.js';

/** One parsed authentication challenge. Scheme is lower case; parameter names too. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a `WWW-Authenticate` header (RFC 7235) into its challenges; quoted values may hold commas. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  let guard = 0;
  // Tokens: `scheme` or `name=value` (value quoted or bare), comma separated; a bare word starts a challenge.
  const tokens = /\s*([^\s=,]+)(\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*))?\s*,?/g;
  for (let m = tokens.exec(header); m && guard < 1000; m = tokens.exec(header), guard++) {
    if (m[0] === '') break;
    const [, name, hasValue, raw] = m;
    if (!name) continue;
    if (!hasValue) {
      // "Bearer realm=..." arrives as the scheme followed by a space and the first parameter
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
      continue;
    }
    if (!current) continue;
    const value = raw?.trim() ?? '';
    current.params[name.toLowerCase()] = value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  }
  return out;
}

/** A `repository:<name>:<actions>` scope. */
export function repoScope(repository: string, actions: 'pull' | 'pull,push' | 'push'): string {
  return `repository:${repository}:${actions}`;
}

interface CachedToken {
  token: string;
  renewAt: number;
}

/** Token lifetime the spec assumes when `expires_in` is missing. */
const DEFAULT_TOKEN_TTL_S = 60;
/** Longest time a token is used before its expiry (renews early so in-flight requests stay valid). */
const RENEW_MARGIN_MS = 10_000;

/** Options of the Authenticator. */
export interface AuthenticatorOptions {
  transport: Transport;
  credentials: CredentialStore;
  /** Clock in ms (tests make tokens expire). */
  now?: () => number;
  /** Registries spoken to over plain HTTP by choice (`--insecure-registry`): their realms may be http too. */
  insecureRegistries?: readonly string[];
}

/** Answers challenges per host; keeps the last challenge seen and a token cache per scope set. */
export class Authenticator {
  private readonly challenges = new Map<string, Challenge | null>();
  private readonly tokens = new Map<string, Promise<CachedToken>>();
  private readonly now: () => number;
  constructor(private readonly options: AuthenticatorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether the host's challenge (or its absence) is known. */
  knows(host: string): boolean {
    return this.challenges.has(host);
  }

  /** Whether the host asked for credentials (answered /v2/ with a Basic or Bearer challenge). */
  challenged(host: string): boolean {
    return Boolean(this.challenges.get(host));
  }

  /** Records what the host asked for: a Basic/Bearer challenge header, or undefined (anonymous). */
  setChallenge(host: string, header: string | undefined): void {
    const all = header ? parseChallenges(header) : [];
    const chosen = all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic') ?? null;
    this.challenges.set(host, chosen);
  }

  /** The scopes a 401's Bearer challenge names (registries tell what they wanted). */
  challengeScopes(header: string | undefined): string[] {
    const c = header ? parseChallenges(header).find((x) => x.scheme === 'bearer') : undefined;
    return c?.params.scope ? c.params.scope.split(' ').filter(Boolean) : [];
  }

  /** Forgets cached tokens of a host for these scopes (after a 401). */
  invalidate(host: string, scopes: readonly string[]): void {
    this.tokens.delete(tokenKey(host, scopes));
  }

  /** The Authorization header value for a request to `host` needing `scopes`, or undefined (anonymous). */
  async authorization(host: string, scopes: readonly string[], ctx: { signal?: AbortSignal; side?: Side }): Promise<string | undefined> {
    const challenge = this.challenges.get(host);
    if (!challenge) return undefined;
    const cred = await this.options.credentials.get(host);
    if (challenge.scheme === 'basic') {
      return cred?.kind === 'basic' ? `Basic ${basic(cred.username, cred.password)}` : undefined;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    const key = tokenKey(host, scopes);
    let pending = this.tokens.get(key);
    if (pending) {
      const cached = await pending.catch(() => undefined);
      if (cached && cached.renewAt > this.now()) return `Bearer ${cached.token}`;
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
      pending = undefined;
    }
    pending = this.fetchToken(host, challenge, scopes, cred, ctx);
    this.tokens.set(key, pending);
    try {
      return `Bearer ${(await pending).token}`;
    } catch (err) {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
      throw err;
    }
  }

  private async fetchToken(
    host: string,
    challenge: Challenge,
    scopes: readonly string[],
    cred: Credential | undefined,
    ctx: { signal?: AbortSignal; side?: Side },
  ): Promise<CachedToken> {
    const decision = checkRealm(challenge.params.realm!, host, this.options.insecureRegistries ?? []);
    if (!decision.ok) throw new RegistryError(decision.problem, { op: 'token', reference: host, side: ctx.side, retryable: false });
    const realm = decision.url;
    const started = this.now();
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: Uint8Array | undefined;
    let method: 'GET' | 'POST' = 'GET';
    if (cred?.kind === 'identity') {
      // docker's OAuth2 refresh-token exchange for identity tokens
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: 'kpromo' });
      if (challenge.params.service) form.set('service', challenge.params.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      body = Buffer.from(form.toString());
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
      for (const s of scopes) realm.searchParams.append('scope', s);
      if (cred?.kind === 'basic') headers.authorization = `Basic ${basic(cred.username, cred.password)}`;
    }
    const where = { op: 'token', reference: `${host} (${redactUrl(realm)})`, side: ctx.side };
    let res;
    try {
      res = await this.options.transport.request({ method, url: realm, headers, body, kind: 'token', signal: ctx.signal });
    } catch (err) {
      const paused = err instanceof HostPausedError ? `: ${err.message}` : '';
      throw new RegistryError(`token request failed${paused}`, { ...where, retryable: isNetworkError(err), cause: err });
    }
    if (res.status !== 200) {
      const diagnostics = parseDiagnostics(await readPrefix(res.body, 64 * 1024));
      throw new RegistryError('token request was refused', { ...where, status: res.status, diagnostics });
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse((await readCapped(res.body, 1024 * 1024)).toString('utf8'));
    } catch (err) {
      throw new RegistryError('token response is not JSON', { ...where, status: res.status, retryable: true, cause: err });
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || !token) throw new RegistryError('token response holds no token', { ...where, status: 200 });
    const ttlMs = (typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_TTL_S) * 1000;
    return { token, renewAt: started + ttlMs - Math.min(RENEW_MARGIN_MS, ttlMs / 2) };
  }
}

function tokenKey(host: string, scopes: readonly string[]): string {
  return `${host} ${[...scopes].sort().join(' ')}`;
}

function basic(user: string, pass: string): string {
  return Buffer.from(`${user}:${pass}`).toString('base64');
}
