/**
 * Cosign's "simple signing" payload (containers/image signature format, type
 * `cosign container image signature`): what a `.sig` layer signs. Pure.
 */
import type { Digest } from '../image/ref.js';

/** The `critical.type` cosign writes and `cosign verify` expects. */
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

/** The decoded payload. */
export interface SimpleSigningPayload {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: string;
  };
  optional: Record<string, string> | null;
}

/**
 * Builds the payload bytes for `dockerReference` (repository without tag/digest) and `digest`.
 * Keys are written in cosign's order so equal inputs give byte-equal payloads.
 */
export function buildSimpleSigningPayload(
  dockerReference: string,
  digest: Digest,
  optional?: Record<string, string>,
): Uint8Array {
  const payload: SimpleSigningPayload = {
    critical: {
      identity: { 'docker-reference': dockerReference },
      image: { 'docker-manifest-digest': digest },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional: optional && Object.keys(optional).length > 0 ? sortKeys(optional) : null,
  };
  return new TextEncoder().encode(JSON.stringify(payload));
}

/** Parses payload bytes; undefined when they are not a simple-signing payload. */
export function parseSimpleSigningPayload(bytes: Uint8Array): SimpleSigningPayload | undefined {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  const c = (v as { critical?: SimpleSigningPayload['critical'] })?.critical;
  if (
    typeof c?.identity?.['docker-reference'] !== 'string' ||
    typeof c?.image?.['docker-manifest-digest'] !== 'string' ||
    typeof c?.type !== 'string'
  ) {
    return undefined;
  }
  return v as SimpleSigningPayload;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
