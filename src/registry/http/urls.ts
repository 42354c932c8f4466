/**
 * URL rules of the registry client: which scheme a host is spoken to with (plain HTTP for
 * loopback registries, as docker does; HTTPS elsewhere unless listed as insecure), how an
 * upload `Location` resolves, and how URLs are redacted before they reach a log or an error.
 */
import { isIP } from 'node:net';

/** Whether `host` (with optional port) is a loopback address: localhost, 127.0.0.0/8 or [::1]. */
export function isLoopbackHost(host: string): boolean {
  const name = hostname(host).toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

/** The host part of `host[:port]`, without brackets around IPv6 literals. */
export function hostname(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(1, end) : host;
  }
  const colon = host.lastIndexOf(':');
  // more than one colon without brackets: a bare IPv6 literal, no port
  if (colon >= 0 && host.indexOf(':') === colon) return host.slice(0, colon);
  return host;
}

/**
 * `http:` for loopback hosts and hosts in `insecure`, `https:` otherwise; hosts in `secure`
 * use HTTPS even on loopback (a local TLS registry).
 */
export function schemeFor(host: string, insecure: readonly string[] = [], secure: readonly string[] = []): 'http:' | 'https:' {
  const h = host.toLowerCase();
  const listed = (list: readonly string[]) => list.some((i) => i.toLowerCase() === h || i.toLowerCase() === hostname(h));
  if (listed(secure)) return 'https:';
  if (isLoopbackHost(host)) return 'http:';
  return listed(insecure) ? 'http:' : 'https:';
}

/** Base URL of a registry's API, e.g. `https://host/v2/`. */
export function apiBase(host: string, insecure: readonly string[] = [], secure: readonly string[] = []): URL {
  return new URL(`${schemeFor(host, insecure, secure)}//${host}/v2/`);
}

/** Percent-encodes a repository path but keeps its slashes. */
export function repoPath(repository: string): string {
  return repository
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/**
 * Resolves a `Location` (or `Link`) header against the URL of the request that returned it:
 * registries answer with absolute URLs, host-relative paths, or (rarely) relative references.
 */
export function resolveLocation(requestUrl: URL, location: string): URL {
  return new URL(location, requestUrl);
}

/** The `next` target of an RFC 8288 `Link` header (`<url>; rel="next"`), if any. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /\brel\s*=\s*"?next"?/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

/** A URL safe to show: no userinfo, no query (upload `_state` and presigned storage URLs carry secrets), no fragment. */
export function redactUrl(url: URL | string): string {
  let u: URL;
  try {
    // a URL object is already parsed: reading its parts spares a parse on every logged request
    u = url instanceof URL ? url : new URL(url);
  } catch {
    return '<invalid url>';
  }
  const query = u.search ? '?<redacted>' : '';
  return `${u.protocol}//${u.host}${u.pathname}${query}`;
}
