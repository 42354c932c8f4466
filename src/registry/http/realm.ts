/**
 * Where a Bearer token may be fetched from. The realm comes from the registry's
 * `WWW-Authenticate` header and receives the user's credentials, so a plain-HTTP realm would
 * send them in the clear: it is refused unless the registry itself is spoken to over plain HTTP
 * by the user's choice (a loopback registry, or a host given to `--insecure-registry`).
 */
import { isLoopbackHost, redactUrl, schemeFor } from './urls.js';

/** The realm to use, or why it is refused. */
export type RealmDecision = { ok: true; url: URL } | { ok: false; problem: string };

/** Decides whether the token realm `realm` announced by `registryHost` may be used. */
export function checkRealm(realm: string, registryHost: string, insecure: readonly string[]): RealmDecision {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return { ok: false, problem: `token realm of ${registryHost} is not a URL` };
  }
  if (url.protocol === 'https:') return { ok: true, url };
  const plainAllowed = isLoopbackHost(registryHost) || schemeFor(registryHost, insecure) === 'http:';
  if (url.protocol === 'http:' && plainAllowed) return { ok: true, url };
  const why =
    url.protocol === 'http:'
      ? 'a plain-http realm would send credentials in the clear (allowed only for loopback registries and --insecure-registry hosts)'
      : 'only https realms are used';
  return { ok: false, problem: `refusing token realm ${redactUrl(url)} of registry ${registryHost}: ${why}` };
}
