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
