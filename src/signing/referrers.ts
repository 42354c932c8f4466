/**
 * Attaching an artifact (a sigstore bundle) to an image as an OCI 1.1 referrer: the artifact
 * manifest carries `subject`; on registries without the referrers API the `sha256-<hex>`
 * fallback index tag is updated too (OCI distribution-spec "referrers tag schema").
 */
import type { Digest, RepoRef } from '../image/ref.js';
import { referrersTag } from '../registry/digest.js';
import { MediaTypes, type CallOptions, type Descriptor, type RegistryClient } from '../registry/types.js';
import { getManifestIfPresent, pushImage } from './registry-io.js';
import { sha256Digest, type BuiltImage } from './sig-image.js';
import type { TagIndex } from './tag-index.js';

/** Media type (and artifact type) of a sigstore bundle v0.3. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** Referrer annotation cosign uses to tell attestations apart. */
export const PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
const EMPTY = new TextEncoder().encode('{}');

/** Builds the referrer manifest for a bundle about `subject` (cosign's bundle layout). */
export function buildBundleArtifact(
  subject: { digest: Digest; mediaType: string; size: number },
  bundleJson: Uint8Array,
  annotations: Record<string, string>,
): BuiltImage {
  const layerDigest = sha256Digest(bundleJson);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    artifactType: BUNDLE_MEDIA_TYPE,
    config: { mediaType: MediaTypes.ociEmpty, digest: sha256Digest(EMPTY), size: EMPTY.byteLength },
    layers: [{ mediaType: BUNDLE_MEDIA_TYPE, digest: layerDigest, size: bundleJson.byteLength }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return {
    manifest: { bytes, mediaType: MediaTypes.ociManifest, digest: sha256Digest(bytes) },
    blobs: [
      { digest: sha256Digest(EMPTY), bytes: EMPTY },
      { digest: layerDigest, bytes: bundleJson },
    ],
  };
}


/**
 * Pushes `artifact` (whose manifest has a `subject`) by digest; if listing referrers does not
 * show it (no referrers API), adds it to the fallback index tag. Returns its descriptor. The
 * referrer and the fallback tag written are recorded in `tags`.
 */
export async function attachReferrer(
  client: RegistryClient,
  repo: RepoRef,
  subject: Digest,
  artifact: BuiltImage,
  annotations: Record<string, string>,
  withTags: CallOptions & { tags?: TagIndex } = {},
): Promise<Descriptor> {
  const { tags, ...opts } = withTags;
  const desc: Descriptor = {
    mediaType: artifact.manifest.mediaType,
    digest: artifact.manifest.digest,
    size: artifact.manifest.bytes.byteLength,
    artifactType: BUNDLE_MEDIA_TYPE,
    annotations,
  };
  await pushImage(client, repo, artifact, artifact.manifest.digest, opts);
  tags?.referrerAdded(repo, subject);
  // A host known to lack the referrers API cannot list it: go straight to the fallback tag.
  if (client.referrersSupport?.(repo.host) !== false) {
    const listed = await client.listReferrers(repo, subject, opts);
    if (listed.some((d) => d.digest === desc.digest)) return desc;
  }
  const tag = referrersTag(subject);
  // The base of a read-modify-write is always read, never taken from `tags`: a stale "absent"
  // would drop the referrers someone else listed there.
  const idx = await getManifestIfPresent(client, repo, tag, opts);
  const manifests = idx ? ((JSON.parse(new TextDecoder().decode(idx.bytes)) as { manifests?: Descriptor[] }).manifests ?? []) : [];
  if (manifests.some((d) => d.digest === desc.digest)) return desc;
  manifests.push(desc);
  const bytes = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests }));
  await client.putManifest(repo, tag, { bytes, mediaType: MediaTypes.ociIndex }, opts);
  tags?.add(repo, tag);
  return desc;
}
