/**
 * A tiny Docker token server (the Bearer flow of distribution's `auth.token`) for tests: checks
 * Basic credentials and signs an ES256 JWT whose `x5c` header holds the certificate the
 * registry trusts (`rootcertbundle`), granting exactly the requested scopes.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closeServer } from '../../src/registry/server/http.js';

const run = promisify(execFile);

/** Options of the token server. */
export interface TokenServerOptions {
  /** Directory to write the signing key and certificate into (must exist). */
  dir: string;
  username: string;
  password: string;
  /** `service` the registry expects (JWT `aud`). */
  service?: string;
  /** `issuer` the registry expects (JWT `iss`). */
  issuer?: string;
  /** `expires_in` reported to clients, in seconds (default 300). Clients cache tokens this long. */
  expiresIn?: number;
  /**
   * Lifetime written into the JWT `exp`, in seconds (default: `expiresIn`). Distribution accepts
   * tokens a little past `exp` (clock leeway), so a registry-side expiry needs a large gap.
   */
  jwtLifetime?: number;
  /** Whether requests without credentials get a token (with the requested scopes). Default false. */
  anonymous?: boolean;
  /** Decides Basic credentials instead of the fixed username/password (e.g. cloud tokens that expire). */
  accept?: (username: string, password: string) => boolean;
}

/** One token request as seen by the server. */
export interface TokenRequestRecord {
  user: string | undefined;
  scopes: string[];
  granted: boolean;
}

/** A running token server. */
export interface TokenServer {
  /** Realm URL for the registry config, `http://127.0.0.1:PORT/token`. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate file for the registry's `rootcertbundle`. */
  certFile: string;
  /** Every token request so far (tests assert token caching with it). */
  readonly requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

/** One `access` claim of a token. */
interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** Parses `type:name:actions` (the name may contain colons only in theory; take first and last). */
function parseScope(scope: string): Access | undefined {
  const parts = scope.split(':');
  if (parts.length < 3) return undefined;
  const type = parts[0]!;
  const actions = parts[parts.length - 1]!.split(',').filter(Boolean);
  const name = parts.slice(1, -1).join(':');
  return { type, name, actions };
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Generates an EC P-256 key and a self-signed certificate with openssl. */
async function makeSigningCert(dir: string): Promise<{ key: KeyObject; certDer: Buffer; certFile: string }> {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30',
    '-keyout', keyFile, '-out', certFile, '-subj', '/CN=kpromo-test-token-issuer',
  ]);
  const pem = await readFile(certFile, 'utf8');
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return { key: createPrivateKey(await readFile(keyFile)), certDer: Buffer.from(body, 'base64'), certFile };
}

/** Starts a token server on 127.0.0.1 (free port). */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const service = opts.service ?? 'kpromo-test-registry';
  const issuer = opts.issuer ?? 'kpromo-test-issuer';
  const expiresIn = opts.expiresIn ?? 300;
  const lifetime = opts.jwtLifetime ?? expiresIn;
  const { key, certDer, certFile } = await makeSigningCert(opts.dir);
  const requests: TokenRequestRecord[] = [];

  const issue = (user: string, access: Access[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'ES256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = { iss: issuer, sub: user, aud: service, iat: now, nbf: now - 10, exp: now + lifetime, jti: randomUUID(), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(sig)}`;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const authz = req.headers.authorization ?? '';
    let user: string | undefined;
    let ok = Boolean(opts.anonymous);
    if (authz.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(authz.slice(6), 'base64').toString('utf8').split(':');
      user = u;
      ok = opts.accept ? opts.accept(u ?? '', rest.join(':')) : u === opts.username && rest.join(':') === opts.password;
    }
    requests.push({ user, scopes, granted: ok });
    if (!ok) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="token"' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
      return;
    }
    const access = scopes.map(parseScope).filter((a): a is Access => a !== undefined);
    const token = issue(user ?? 'anonymous', access);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() }));
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    requests,
    stop: () => closeServer(server),
  };
}
