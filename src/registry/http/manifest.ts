/**
 * Checks on manifest bytes read from a registry, before anything is built from them: the bytes
 * hash to the digest asked for (or, read by tag, to the registry's Docker-Content-Digest), and
 * the Content-Type agrees with the manifest's own `mediaType` field. Bytes are never re-serialised.
 */
import type { Digest } from '../../image/ref.js';
import { digestOf, parseDigest } from '../digest.js';

export { referrersTag } from '../digest.js';
import { isDigest } from '../../image/ref.js';

/** What the checks found, or why the bytes are refused. */
export type ManifestCheck =
  | { ok: true; digest: Digest; mediaType: string }
  | { ok: false; problem: string; corrupt: boolean };

/**
 * Verifies manifest bytes. `reference` is the tag or digest asked for; `headerDigest` the
 * registry's Docker-Content-Digest, if sent. `corrupt` marks failures a re-read may fix.
 */
export function checkManifest(
  bytes: Uint8Array,
  reference: string,
  contentType: string | undefined,
  headerDigest: string | undefined,
): ManifestCheck {
  let digest: Digest;
  if (isDigest(reference)) {
    digest = digestOf(bytes, parseDigest(reference).algorithm);
    if (digest !== reference) return { ok: false, corrupt: true, problem: `manifest bytes hash to ${digest}, not ${reference}` };
  } else {
    digest = digestOf(bytes);
    if (headerDigest && isDigest(headerDigest)) {
      const computed = digestOf(bytes, parseDigest(headerDigest).algorithm);
      if (computed !== headerDigest) {
        return { ok: false, corrupt: true, problem: `manifest bytes hash to ${computed}, registry says ${headerDigest}` };
      }
      digest = computed;
    }
  }
  let field: unknown;
  try {
    field = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: unknown })?.mediaType;
  } catch {
    return { ok: false, corrupt: false, problem: 'manifest is not JSON' };
  }
  const type = contentType?.split(';')[0]?.trim();
  if (typeof field === 'string' && type && type !== field) {
    return { ok: false, corrupt: false, problem: `Content-Type ${type} differs from the manifest's mediaType ${field}` };
  }
  const mediaType = typeof field === 'string' ? field : type;
  if (!mediaType) return { ok: false, corrupt: false, problem: 'manifest has no media type' };
  return { ok: true, digest, mediaType };
}

