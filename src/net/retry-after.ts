/**
 * Reading the server's pacing headers: Retry-After (RFC 9110 §10.2.3: delay-seconds or an
 * HTTP-date) and the quota a host announces (Docker Hub's `ratelimit-limit: 100;w=21600`,
 * the IETF draft's `RateLimit-Policy: 100;w=60`).
 */

/** Milliseconds to wait from `nowMs`, or undefined when the header is absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** A quota "N;w=S" (N requests per S seconds), or undefined. */
export function parseQuota(value: string | undefined): { limit: number; windowSeconds: number } | undefined {
  if (!value) return undefined;
  const m = /^\s*(\d+)\s*;\s*w\s*=\s*(\d+)/i.exec(value);
  if (!m) return undefined;
  const limit = Number(m[1]);
  const windowSeconds = Number(m[2]);
  return limit > 0 && windowSeconds > 0 ? { limit, windowSeconds } : undefined;
}
