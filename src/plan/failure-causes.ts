/**
 * Failures grouped by cause: many edges failing for one reason (a registry that does not answer,
 * refuses the credentials, or presents a bad certificate) are one problem. Reads the error text
 * the inventory and the copy engine record per edge, and says, per cause, the host, what was
 * tried, and how many edges it affected. Pure; the CLI adds what to do.
 */

/** Why a request failed, in the terms a person acts on. */
export type CauseKind = 'unreachable' | 'unauthorized' | 'forbidden' | 'tls' | 'credentials' | 'paused' | 'other';

/** The cause of one failure. */
export interface FailureCause {
  kind: CauseKind;
  /** `host[:port]` the failure is about, when known. */
  host?: string;
  /** Short reason, e.g. "connection refused". */
  reason: string;
  /** What was tried, e.g. "GET http://127.0.0.1:5000/v2/". */
  tried?: string;
}

/** One cause and the failures it explains. */
export interface FailureGroup extends FailureCause {
  /** How many failures (edges) have this cause. */
  count: number;
  /** The first failure's full message. */
  example: string;
}

/** Network error codes → words. */
const NETWORK_REASONS: [RegExp, string][] = [
  [/ECONNREFUSED/, 'connection refused'],
  [/ENOTFOUND|EAI_AGAIN|EAI_NONAME/, 'host name not found'],
  [/ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT/, 'connection timed out'],
  [/EHOSTUNREACH|ENETUNREACH/, 'no route to host'],
  [/ECONNRESET|UND_ERR_SOCKET|socket hang up/, 'connection reset'],
  [/UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT/, 'no answer in time'],
];
const TLS_RE = /CERT_|certificate|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL|EPROTO|wrong version number/i;

/** The cause of one failure message; `host` is used when the message names none. */
export function causeOf(message: string, host?: string): FailureCause {
  const named = hostIn(message) ?? host;
  const tried = triedIn(message);
  const base = { ...(named ? { host: named } : {}), ...(tried ? { tried } : {}) };
  // a Retry-After beyond the cap (src/net/host-paused.ts): the paused host, wherever the edge goes
  const paused = /(\S+) paused for this run: it (answered Retry-After .*?) \(--registry-max-retry-after\)/.exec(message);
  if (paused) return { ...base, kind: 'paused', host: paused[1]!, reason: paused[2]! };
  const creds = /getting credentials failed: (.*)$/.exec(message);
  if (creds) return { kind: 'credentials', reason: creds[1]!, ...base };
  for (const [re, reason] of NETWORK_REASONS) if (re.test(message)) return { kind: 'unreachable', reason, ...base };
  if (TLS_RE.test(message)) return { kind: 'tls', reason: 'TLS handshake failed (certificate not trusted, or plain HTTP on the port)', ...base };
  if (/\bHTTP 401\b/.test(message)) return { kind: 'unauthorized', reason: 'HTTP 401 unauthorized', ...base };
  if (/\bHTTP 403\b/.test(message)) return { kind: 'forbidden', reason: 'HTTP 403 forbidden', ...base };
  return { kind: 'other', reason: message, ...base };
}

/**
 * Groups failures by (host, kind, reason); `other` failures group by their exact message.
 * Largest group first, then by host.
 */
export function groupFailures(items: readonly { message: string; host?: string }[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const it of items) {
    const c = causeOf(it.message, it.host);
    const key = `${c.kind}\u0000${c.host ?? ''}\u0000${c.reason}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { ...c, count: 1, example: it.message });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.host ?? '').localeCompare(b.host ?? ''));
}

/** Whether a group is about a registry as a whole (worth one line), not about one image. */
export function isRegistryWide(g: FailureCause): boolean {
  return g.kind !== 'other';
}

/** `request to http://h:p/v2/ failed` → `GET http://h:p/v2/`; else the `op reference` of a RegistryError message. */
function triedIn(message: string): string | undefined {
  const url = /request to (https?:\/\/\S+?) failed/.exec(message);
  if (url) return `GET ${url[1]}`;
  const op = /\b((?:attach|get|head|list|mount|put|upload) [a-z]+|ping|catalog|token) (\S+) \((?:source|destination)\):/.exec(message);
  return op ? `${op[1]} ${op[2]}` : undefined;
}

/** The registry host a message is about: the URL's host, else the `ping HOST` of a RegistryError. */
function hostIn(message: string): string | undefined {
  const url = /\bhttps?:\/\/([^/\s]+)/.exec(message);
  if (url) return url[1];
  const ref = /\b(?:attach|get|head|list|mount|put|upload) [a-z]+ ([^\s/]+)\/|\b(?:ping|catalog|token) ([^\s/]+) /.exec(message);
  return ref?.[1] ?? ref?.[2];
}
