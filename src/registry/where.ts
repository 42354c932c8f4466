/**
 * What both RegistryClient implementations name in their errors and check before a manifest
 * write, so that the HTTP client and the in-memory one fail the same way.
 */
import { isDigest, type RepoRef } from '../image/ref.js';
import { RegistryError } from './errors.js';
import { MAX_MANIFEST_BYTES, type CallOptions, type Side } from './types.js';

/** `host/repo`, with `:tag` or `@digest` when given: the reference a RegistryError names. */
export function refString(repo: RepoRef, reference?: string): string {
  const base = `${repo.host}/${repo.repository}`;
  if (!reference) return base;
  return isDigest(reference) || reference.includes(':') ? `${base}@${reference}` : `${base}:${reference}`;
}

/** The error context of a manifest PUT: the destination side unless the call says otherwise. */
export function putManifestWhere(repo: RepoRef, reference: string, opts: CallOptions): { op: string; reference: string; side: Side } {
  return { op: 'put manifest', reference: refString(repo, reference), side: opts.side ?? 'destination' };
}

/** Refuses (not retryable) a manifest larger than MAX_MANIFEST_BYTES before it is sent or stored. */
export function assertManifestSize(bytes: Uint8Array, where: { op: string; reference: string; side?: Side }): void {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new RegistryError(`manifest is larger than ${MAX_MANIFEST_BYTES} bytes`, { ...where, retryable: false });
}
