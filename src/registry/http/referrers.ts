/**
 * Attaching a referrer (a signature, attestation or SBOM manifest with a `subject`) over any
 * RegistryClient: push the artifact manifest by digest; if the registry does not then list it
 * through the referrers API, maintain the tag-schema fallback index `<alg>-<hex>` (OCI
 * distribution-spec "Referrers Tag Schema") by read-modify-write, keeping existing entries.
 */
import type { Digest, RepoRef } from '../../image/ref.js';
import { RegistryError } from '../errors.js';
import { MediaTypes, type CallOptions, type Descriptor, type RegistryClient } from '../types.js';
import { referrersTag } from './manifest.js';
import { digestOf } from '../digest.js';

export { referrersTag } from './manifest.js';

/** What attachReferrer did. */
export interface AttachResult {
  /** The artifact manifest's descriptor, as listed among the subject's referrers. */
  descriptor: Descriptor;
  /** Whether the fallback index tag was written (false: the referrers API listed it, or it was already there). */
  updatedFallbackTag: boolean;
}

/**
 * Pushes `manifest` (whose `subject` must be `subjectDigest`) to `repo` and makes it listed
 * among the subject's referrers. Idempotent: a second call changes nothing.
 */
export async function attachReferrer(
  client: RegistryClient,
  repo: RepoRef,
  subjectDigest: Digest,
  manifest: { bytes: Uint8Array; mediaType: string },
  opts: CallOptions = {},
): Promise<AttachResult> {
  const callOpts: CallOptions = { ...opts, side: opts.side ?? 'destination' };
  const descriptor = describeArtifact(manifest, subjectDigest, repo);
  await client.putManifest(repo, descriptor.digest, manifest, callOpts);
  const listed = await client.listReferrers(repo, subjectDigest, callOpts);
  if (listed.some((d) => d.digest === descriptor.digest)) return { descriptor, updatedFallbackTag: false };
  // the registry has no referrers API (or it lags): add the manifest to the fallback index
  const tag = referrersTag(subjectDigest);
  const current = await client.getManifest(repo, tag, callOpts).catch((err: unknown) => {
    if (err instanceof RegistryError && err.status === 404) return undefined;
    throw err;
  });
  const index = current ? (JSON.parse(Buffer.from(current.bytes).toString('utf8')) as Record<string, unknown>) : {};
  const existing = Array.isArray(index.manifests) ? (index.manifests as Descriptor[]) : [];
  if (existing.some((d) => d.digest === descriptor.digest)) return { descriptor, updatedFallbackTag: false };
  const next = { ...index, schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [...existing, descriptor] };
  await client.putManifest(repo, tag, { bytes: Buffer.from(JSON.stringify(next)), mediaType: MediaTypes.ociIndex }, callOpts);
  return { descriptor, updatedFallbackTag: true };
}

/** The descriptor of an artifact manifest as a referrers list shows it (artifactType, annotations). */
export function describeArtifact(manifest: { bytes: Uint8Array; mediaType: string }, subjectDigest: Digest, repo?: RepoRef): Descriptor {
  let parsed: { subject?: { digest?: unknown }; artifactType?: unknown; config?: { mediaType?: unknown }; annotations?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(manifest.bytes).toString('utf8'));
  } catch (err) {
    throw new RegistryError('referrer manifest is not JSON', { op: 'attach referrer', reference: where(repo, subjectDigest), retryable: false, cause: err });
  }
  if (parsed.subject?.digest !== subjectDigest) {
    throw new RegistryError(`referrer manifest's subject is not ${subjectDigest}`, { op: 'attach referrer', reference: where(repo, subjectDigest), retryable: false });
  }
  const descriptor: Descriptor = {
    mediaType: manifest.mediaType,
    digest: digestOf(manifest.bytes),
    size: manifest.bytes.length,
  };
  // spec: artifactType, else the config's media type
  const artifactType = typeof parsed.artifactType === 'string' ? parsed.artifactType : parsed.config?.mediaType;
  if (typeof artifactType === 'string') descriptor.artifactType = artifactType;
  if (parsed.annotations && typeof parsed.annotations === 'object') descriptor.annotations = parsed.annotations as Record<string, string>;
  return descriptor;
}

function where(repo: RepoRef | undefined, d: Digest): string {
  return repo ? `${repo.host}/${repo.repository}@${d}` : d;
}
