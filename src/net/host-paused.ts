/**
 * A host that asked for a pause longer than the run is willing to wait (`Retry-After` beyond the
 * cap): it is failed for the rest of the run instead of holding every request to it, and with it
 * the whole run, for hours. Every request to it fails at once with this error.
 */
import { KpromoError } from '../errors.js';

/** Default longest Retry-After honoured (5 minutes); a longer one fails the host for the run. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 5 * 60_000;

/** Requests to a host paused for the run. Not retryable: the host said how long it wants. */
export class HostPausedError extends KpromoError<'HOST_PAUSED'> {
  readonly retryable = false;
  constructor(
    readonly host: string,
    readonly retryAfterMs: number,
    readonly capMs: number,
  ) {
    super('HOST_PAUSED', `${host} paused for this run: it answered Retry-After ${formatSeconds(retryAfterMs)}, beyond the ${formatSeconds(capMs)} this run waits (--registry-max-retry-after)`);
  }
}

function formatSeconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s >= 3600 ? `${s} s (${(s / 3600).toFixed(1)} h)` : `${s} s`;
}
