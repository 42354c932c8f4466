/**
 * A local stand-in for Google's two token sources, checked for protocol truth:
 * - the OAuth2 token endpoint (`POST /token`): takes only the JWT-bearer grant
 *   (RFC 7523) with an RS256 assertion signed by the service account's key, `iss` = its email,
 *   `aud` = Google's token URL and the cloud-platform scope;
 * - the GCE/GKE metadata server (`/computeMetadata/v1/...`): answers only requests carrying
 *   `Metadata-Flavor: Google`, and says so in its own `Metadata-Flavor` header.
 * Access tokens it issues expire on the test's clock (`valid(token)`).
 */
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { startStub, type HttpStub, type StubReply, type StubRequest } from './stub-http.js';

/** Google's token URL, the `aud` a service account's assertion must name. */
export const GOOGLE_TOKEN_AUD = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A running stand-in. */
export interface GoogleStandIn {
  /** `127.0.0.1:PORT` (GCE_METADATA_HOST). */
  host: string;
  /** `http://127.0.0.1:PORT/token`. */
  tokenUrl: string;
  /** A service-account key JSON whose key the token endpoint trusts. */
  serviceAccountJson: string;
  /** Tokens issued so far, by source. */
  issued: { token: string; source: 'service-account' | 'metadata'; at: number }[];
  /** Requests refused, with why. */
  refused: string[];
  /** Whether `token` was issued here and has not expired on the clock. */
  valid(token: string): boolean;
  stub: HttpStub;
  stop(): Promise<void>;
}

/** Starts the stand-in; tokens live `expiresIn` seconds on `now()`. */
export async function startGoogleStandIn(opts: { expiresIn: number; now: () => number }): Promise<GoogleStandIn> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = 'kpromo-test@test-project.iam.gserviceaccount.com';
  const issued: GoogleStandIn['issued'] = [];
  const refused: string[] = [];
  const issue = (source: 'service-account' | 'metadata'): string => {
    const token = `ya29.${source}-${issued.length + 1}`;
    issued.push({ token, source, at: opts.now() });
    return token;
  };
  const refuse = (status: number, why: string, headers: Record<string, string> = {}): StubReply => {
    refused.push(why);
    return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ error: 'invalid_grant', error_description: why }) };
  };

  const tokenEndpoint = (req: StubRequest): StubReply => {
    if (req.method !== 'POST') return refuse(405, 'token endpoint wants POST');
    const form = new URLSearchParams(req.body.toString('utf8'));
    if (form.get('grant_type') !== JWT_BEARER) return refuse(400, `grant_type ${form.get('grant_type')}`);
    const why = checkAssertion(form.get('assertion') ?? '', publicKey, email);
    if (why) return refuse(400, why);
    return json({ access_token: issue('service-account'), expires_in: opts.expiresIn, token_type: 'Bearer' });
  };

  const metadata = (req: StubRequest): StubReply => {
    const flavor = { 'metadata-flavor': 'Google' };
    if (req.headers['metadata-flavor'] !== 'Google') return refuse(403, 'metadata request without Metadata-Flavor: Google', flavor);
    const path = req.url.pathname.replace(/^\/computeMetadata\/v1\/?/, '');
    if (path === '' || path === 'instance' || path === 'instance/') return { status: 200, headers: { ...flavor, 'content-type': 'application/text' }, body: 'attributes/\n' };
    if (path === 'project/project-id') return { status: 200, headers: { ...flavor, 'content-type': 'application/text' }, body: 'test-project' };
    if (path === 'instance/service-accounts/default/token') {
      return { status: 200, headers: { ...flavor, 'content-type': 'application/json' }, body: JSON.stringify({ access_token: issue('metadata'), expires_in: opts.expiresIn, token_type: 'Bearer' }) };
    }
    return { status: 404, headers: flavor, body: 'not found' };
  };

  const stub = await startStub((req) => {
    if (req.url.pathname === '/token') return tokenEndpoint(req);
    if (req.url.pathname.startsWith('/computeMetadata/v1')) return metadata(req);
    return { status: 404 };
  });
  const tokenUrl = `http://${stub.host}/token`;
  const serviceAccountJson = JSON.stringify({
    type: 'service_account',
    project_id: 'test-project',
    private_key_id: 'test-key-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    client_id: '1',
    token_uri: tokenUrl,
  });
  return {
    host: stub.host,
    tokenUrl,
    serviceAccountJson,
    issued,
    refused,
    valid: (token) => {
      const t = issued.find((i) => i.token === token);
      return t !== undefined && opts.now() < t.at + opts.expiresIn * 1000;
    },
    stub,
    stop: () => stub.stop(),
  };
}

function json(body: unknown): StubReply {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Checks an RS256 JWT-bearer assertion; returns why it is refused, or undefined. */
function checkAssertion(assertion: string, key: KeyObject, email: string): string | undefined {
  const parts = assertion.split('.');
  if (parts.length !== 3) return 'assertion is not a JWT';
  const [h, p, s] = parts as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
  if (header.alg !== 'RS256') return `assertion alg ${header.alg}`;
  if (!verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return 'assertion signature does not verify';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (claims.iss !== email) return `assertion iss ${String(claims.iss)}`;
  if (claims.aud !== GOOGLE_TOKEN_AUD) return `assertion aud ${String(claims.aud)}`;
  if (!String(claims.scope ?? '').split(' ').includes(SCOPE)) return `assertion scope ${String(claims.scope)}`;
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp <= claims.iat) return 'assertion iat/exp';
  return undefined;
}
