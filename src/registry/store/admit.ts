/**
 * What a registry checks before storing content, shared by the in-process server and the
 * in-memory client so both refuse the same things with the same spec error codes: a digest
 * that does not match, an invalid tag or manifest, a manifest whose content is missing.
 */
import { createHash } from 'node:crypto';
import { isDigest, TAG_RE } from '../../image/ref.js';
import { MANIFEST_TYPES, missingReferences, parseManifestRefs, type ManifestRefs } from './refs.js';
import type { RegistryStore } from './store.js';

/** Spec error codes and their HTTP statuses (distribution-spec, "Error Codes"). */
const STATUS: Record<string, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  RANGE_INVALID: 416,
  UNKNOWN: 500,
};

/** A request the registry refuses: a spec error code, its HTTP status, and detail. */
export class Refusal extends Error {
  readonly status: number;
  constructor(
    readonly code: string,
    message: string,
    readonly detail?: unknown,
    status?: number,
  ) {
    super(message);
    this.status = status ?? STATUS[code] ?? 500;
  }
}

/** Checks that `expected` is a supported digest and that `bytes` hash to it (DIGEST_INVALID). */
export function verifyDigest(expected: string | null | undefined, bytes: Uint8Array): string {
  if (!expected || !isDigest(expected)) throw new Refusal('DIGEST_INVALID', `invalid or unsupported digest ${JSON.stringify(expected)}`);
  const [alg] = expected.split(':') as [string];
  const actual = `${alg}:${createHash(alg).update(bytes).digest('hex')}`;
  if (actual !== expected) throw new Refusal('DIGEST_INVALID', 'provided digest did not match uploaded content', { expected, actual });
  return actual;
}

/** A manifest that may be stored. */
export interface AdmittedManifest {
  digest: string;
  mediaType: string;
  refs: ManifestRefs;
}

/**
 * Checks a manifest PUT by `reference` (tag or digest) before storing it: tag grammar, digest,
 * media type (Content-Type, else the JSON's own), JSON shape, and that every blob and child
 * manifest it references is in `repo`.
 */
export async function admitManifest(store: RegistryStore, repo: string, reference: string, bytes: Uint8Array, contentType: string): Promise<AdmittedManifest> {
  const byDigest = isDigest(reference);
  if (!byDigest && !TAG_RE.test(reference)) throw new Refusal('TAG_INVALID', `invalid tag ${JSON.stringify(reference)}`);
  const digest = byDigest ? verifyDigest(reference, bytes) : `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const type = contentType.split(';')[0]!.trim();
  let refs: ManifestRefs;
  let mediaType = type;
  try {
    refs = parseManifestRefs(bytes, MANIFEST_TYPES.has(type) ? type : '');
    mediaType = MANIFEST_TYPES.has(type) ? type : (refs.declaredType ?? '');
    if (!MANIFEST_TYPES.has(mediaType)) throw new Error(`unsupported manifest media type ${JSON.stringify(type || refs.declaredType)}`);
    if (refs.declaredType && refs.declaredType !== mediaType) throw new Error(`mediaType ${refs.declaredType} differs from Content-Type ${mediaType}`);
    if (mediaType !== type) refs = parseManifestRefs(bytes, mediaType);
  } catch (err) {
    throw new Refusal('MANIFEST_INVALID', (err as Error).message);
  }
  const missing = await missingReferences(store, repo, refs);
  if (missing.length) throw new Refusal('MANIFEST_BLOB_UNKNOWN', `manifest references content unknown to ${repo}`, { missing });
  return { digest, mediaType, refs };
}
