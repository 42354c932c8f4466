/**
 * Redaction of secrets in text leaving kpromo (stderr, stdout, the report): one function, applied
 * at the output boundary, so messages from dependencies (a signer echoing a token, an HTTP error
 * quoting a header or URL) are covered too. Replaces JWTs, `Bearer`/`Basic` credentials, the
 * password of URLs, secret-named key=value / "key": "value" pairs, and long base64 runs that mix
 * upper case, lower case and digits (digests are lower-case hex and stay).
 */

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
/** A credential after its scheme; not the parameters of a challenge (`Bearer realm="…"`). */
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)(?![A-Za-z_]+=")[A-Za-z0-9._~+/=-]{6,}/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:"]+):([^\s/@"]+)@/gi;
/** Names whose values are secrets, also as the end of an env-style name (COSIGN_PASSWORD, AWS_SECRET_ACCESS_KEY). */
const SECRET_NAMES = 'password|passwd|secret|secret_access_key|client_secret|access_token|refresh_token|id_token|identitytoken|identity_token|registrytoken|auth';
/** `name=value` / `name: value` in text; a quoted value is redacted up to its closing quote. */
const SECRET_FIELD = new RegExp(`(\\b(?:[A-Za-z0-9]+_)*(?:${SECRET_NAMES})\\s*[:=]\\s*)("(?:[^"\\\\]|\\\\.)*"|[^"\\s&,;}]+)`, 'gi');
/** A JSON string member with a secret-ending name (`"password"`, `"token"`, `"identityToken"`); other JSON values keep their shape. */
const SECRET_MEMBER = /("[A-Za-z0-9_-]*?(?:password|passwd|secret|secret_access_key|token|auth)"\s*:\s*")(?:[^"\\]|\\.)*"/gi;
const LONG_BASE64 = /[A-Za-z0-9+_-]{40,}={0,2}/g;

/** Whether a long base64-alphabet run looks like a secret: it mixes upper case, lower case and digits. */
const secretLike = (s: string): boolean => /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);

/** `text` with each of the known `secrets` (exact strings, empty ones ignored) replaced by [REDACTED]. */
export function redactKnown(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join(REDACTED);
  return out;
}

/** `text` with every token-shaped secret replaced by [REDACTED]. */
export function redact(text: string): string {
  return text
    .replace(JWT, REDACTED)
    .replace(AUTH_SCHEME, (_m, scheme: string, sp: string) => `${scheme}${sp}${REDACTED}`)
    .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(SECRET_MEMBER, (_m, key: string) => `${key}${REDACTED}"`)
    .replace(SECRET_FIELD, (_m, key: string, value: string) => (value.startsWith('"') ? `${key}"${REDACTED}"` : `${key}${REDACTED}`))
    .replace(LONG_BASE64, (m) => (secretLike(m) ? REDACTED : m));
}
