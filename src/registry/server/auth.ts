/**
 * HTTP Basic authentication of the in-process registry: fixed credentials (tests) or an
 * htpasswd file of bcrypt hashes, as Distribution's `auth.htpasswd` (which accepts bcrypt only).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';
import { KpromoError } from '../../errors.js';

/** Decides whether a request may proceed. */
export type Authenticator = (req: IncomingMessage) => Promise<boolean>;

/** Most accepted Authorization headers remembered, so a client's every request does not pay for bcrypt again. */
const MAX_REMEMBERED = 1024;

/** A bcrypt hash compared against for an unknown user, so its answer takes as long as a known one's. */
const UNKNOWN_USER_HASH = '$2y$05$4p45B3OuKy7//70xYvmmUeah32UrpQA8zP7zuuwzsOj5RvSjxE06m';

/** The `user:password` of a Basic Authorization header, or undefined. */
function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const h = req.headers.authorization ?? '';
  if (!/^basic /i.test(h)) return undefined;
  const text = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Accepts exactly these credentials. */
export function fixedCredentials(creds: { username: string; password: string }): Authenticator {
  return async (req) => {
    const c = basicCredentials(req);
    return c !== undefined && c.user === creds.username && c.password === creds.password;
  };
}

/**
 * Parses htpasswd text (`user:$2y$…` lines, `#` comments and blank lines ignored) into user →
 * bcrypt hash. Throws HTPASSWD_INVALID naming `file:line` for a line that is not a bcrypt entry.
 */
export function parseHtpasswd(text: string, file: string): Map<string, string> {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = colon > 0 ? line.slice(0, colon) : '';
    const hash = colon > 0 ? line.slice(colon + 1) : '';
    if (!/^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
      throw new KpromoError(
        'HTPASSWD_INVALID',
        `${file}:${i + 1}: not a "user:bcrypt-hash" line; only bcrypt is supported (create entries with htpasswd -B)`,
      );
    }
    users.set(user, hash);
  });
  if (users.size === 0) throw new KpromoError('HTPASSWD_INVALID', `${file}: no users (create entries with htpasswd -B)`);
  return users;
}

/** Accepts a user of `users` (from parseHtpasswd) whose password matches its bcrypt hash. */
export function htpasswdAuthenticator(users: Map<string, string>): Authenticator {
  const remembered = new Set<string>();
  return async (req) => {
    const c = basicCredentials(req);
    if (!c) return false;
    const key = createHash('sha256').update(req.headers.authorization!).digest('hex');
    if (remembered.has(key)) return true;
    const hash = users.get(c.user);
    const ok = await bcrypt.compare(c.password, hash ?? UNKNOWN_USER_HASH);
    if (!ok || hash === undefined) return false;
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.add(key);
    return true;
  };
}
