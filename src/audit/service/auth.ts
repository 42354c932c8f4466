/**
 * Authenticates event senders with one shared secret, in whichever form the sender can send:
 *  - `Authorization: Bearer <secret>` (Distribution's `notifications.endpoints[].headers`);
 *  - `X-Kpromo-Signature: sha256=<hex HMAC-SHA256 of the body>` (senders that sign bodies);
 *  - `?token=<secret>` on the Pub/Sub path only (a push subscription's endpoint URL is all it sends).
 * Comparisons are constant-time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying an HMAC of the body. */
export const SIGNATURE_HEADER = 'x-kpromo-signature';

/** Constant-time equality that does not reveal the length either: the SHA-256 digests are compared. */
const same = (a: string, b: string): boolean => {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
};

/** Whether the request carries the secret (or a valid HMAC of `body` under it). */
export function authenticated(secret: string, req: { authorization?: string; signature?: string; queryToken?: string }, body: Uint8Array): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.authorization ?? '')?.[1]?.trim();
  if (bearer !== undefined && same(bearer, secret)) return true;
  if (req.signature) {
    const mac = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    if (same(req.signature.trim().toLowerCase(), mac)) return true;
  }
  return req.queryToken !== undefined && same(req.queryToken, secret);
}
