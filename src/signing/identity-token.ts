/**
 * OIDC identity token sources for keyless signing: a file (`--identity-token FILE`), the
 * SIGSTORE_ID_TOKEN environment variable, a command's stdout, or a static value (tests).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { InputError, errorMessage } from '../errors.js';

/** Supplies an OIDC identity token; may be called once per signature. */
export interface IdentityTokenProvider {
  /** Where the token comes from, for messages (never the token itself). */
  readonly source: string;
  getToken(): Promise<string>;
}

/** The env var upstream sigstore clients read the token from. */
export const ID_TOKEN_ENV = 'SIGSTORE_ID_TOKEN';

const missing = (detail: string) =>
  new InputError([
    {
      message:
        `signing needs an identity token: ${detail}. Pass --identity-token FILE, set ${ID_TOKEN_ENV}, ` +
        'use --signing-key FILE for key-based signing, or --sign=false to promote without signing',
    },
  ]);

/** A fixed token (tests, or a token already read). */
export function staticTokenProvider(token: string, source = 'static'): IdentityTokenProvider {
  return { source, getToken: async () => token };
}

/** Reads the token from a file at each call (CI systems rotate projected tokens). */
export function fileTokenProvider(file: string): IdentityTokenProvider {
  return {
    source: `file ${file}`,
    async getToken() {
      try {
        const t = (await readFile(file, 'utf8')).trim();
        if (!t) throw missing(`${file} is empty`);
        return t;
      } catch (err) {
        if (err instanceof InputError) throw err;
        throw missing(`cannot read ${file}: ${errorMessage(err)}`);
      }
    },
  };
}

/** Runs `command` (argv form: program + args) and takes its trimmed stdout as the token. */
export function commandTokenProvider(command: readonly string[]): IdentityTokenProvider {
  const run = promisify(execFile);
  return {
    source: `command ${command[0]}`,
    async getToken() {
      try {
        const { stdout } = await run(command[0]!, command.slice(1), { timeout: 60_000 });
        const t = stdout.trim();
        if (!t) throw missing(`command ${command[0]} printed nothing`);
        return t;
      } catch (err) {
        if (err instanceof InputError) throw err;
        throw missing(`command ${command[0]} failed: ${errorMessage(err)}`);
      }
    },
  };
}

/** Picks the provider: the file flag, else SIGSTORE_ID_TOKEN, else undefined (no token source). */
export function resolveTokenProvider(
  opts: { identityTokenFile?: string; identityTokenCommand?: readonly string[] },
  env: NodeJS.ProcessEnv = process.env,
): IdentityTokenProvider | undefined {
  if (opts.identityTokenFile) return fileTokenProvider(opts.identityTokenFile);
  const fromEnv = env[ID_TOKEN_ENV]?.trim();
  if (fromEnv) return staticTokenProvider(fromEnv, `$${ID_TOKEN_ENV}`);
  if (opts.identityTokenCommand && opts.identityTokenCommand.length > 0) {
    return commandTokenProvider(opts.identityTokenCommand);
  }
  return undefined;
}

/** The claims of a JWT (unverified: Fulcio verifies it; we only read the identity for dedup). */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The audience Fulcio expects in identity tokens (sigstore's public instance and its default). */
export const SIGSTORE_AUDIENCE = 'sigstore';

/** Clock skew tolerated on `exp` (as Fulcio and most OIDC verifiers do). */
const EXPIRY_LEEWAY_S = 30;

/**
 * Checks that `token` can sign before anything is copied: a JWT (three base64url parts whose
 * first two are JSON objects), with an issuer, not expired, for the sigstore audience. The
 * signature is Fulcio's to verify. Throws InputError (exit 2) naming the source, never the token.
 */
export function checkIdentityToken(token: string, source: string, opts: { now?: number; audience?: string } = {}): void {
  const audience = opts.audience ?? SIGSTORE_AUDIENCE;
  const bad = (why: string): InputError =>
    new InputError([{ message: `the identity token from ${source} is not usable for keyless signing: ${why}` }]);
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p, i) => (i === 2 ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9_-]+$/).test(p))) {
    throw bad(`it is not a JWT (three base64url parts joined by dots; got ${parts.length} part${parts.length === 1 ? '' : 's'}, ${token.length} characters)`);
  }
  const decode = (part: string, what: string): Record<string, unknown> => {
    try {
      const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw bad(`its ${what} is not a JSON object`);
  };
  decode(parts[0]!, 'header');
  const c = decode(parts[1]!, 'payload');
  if (typeof c.iss !== 'string' || !c.iss) throw bad('it has no issuer (iss)');
  if (typeof c.exp !== 'number') throw bad('it has no expiry (exp)');
  const now = (opts.now ?? Date.now()) / 1000;
  if (c.exp + EXPIRY_LEEWAY_S <= now) {
    throw bad(`it expired at ${new Date(c.exp * 1000).toISOString()} (issuer ${c.iss}); fetch a fresh token`);
  }
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!aud.includes(audience)) {
    throw bad(`its audience is ${JSON.stringify(c.aud ?? null)}, not "${audience}" (request the token for audience ${audience})`);
  }
}
