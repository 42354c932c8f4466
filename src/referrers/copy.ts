/**
 * Copying attachments to a destination, digest-preserving: each manifest's blobs (and, for an
 * index, its child manifests) first, then the manifest by digest (a referrer) or by its cosign
 * tag. Referrers of one subject are then made visible in the destination's scheme: the
 * referrers API lists them by itself; without it the `sha256-<hex>` fallback index is read for
 * real and written once with every new descriptor merged into what it already holds.
 */
import type { Digest, RepoRef } from '../image/ref.js';
import { isIndexMediaType, MediaTypes, type CallOptions, type Descriptor, type RegistryClient } from '../registry/types.js';
import { indexEntries } from '../registry/manifest-json.js';
import { describeArtifact, referrersTag } from '../registry/http/referrers.js';
import { copyBlobs, getManifestIfPresent, manifestBlobDigests } from '../signing/registry-io.js';
import type { TagIndex } from '../signing/tag-index.js';
import type { Attachment } from './attachment.js';

/** Copies one attachment's content and manifest from `src` to `dst` (by tag for the tag scheme); returns its descriptor. */
export async function copyAttachment(client: RegistryClient, src: RepoRef, dst: RepoRef, a: Attachment, opts: CallOptions = {}): Promise<Descriptor> {
  const m = await client.getManifest(src, a.digest, { ...opts, side: 'source' });
  const body = { bytes: m.bytes, mediaType: m.mediaType };
  // Checked before any write: a referrer whose subject is another image would be listed among
  // that image's referrers at the destination as soon as it is written.
  const descriptor = a.scheme === 'referrer' ? describeArtifact(body, a.subject, dst) : { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
  await copyContent(client, src, dst, m, opts);
  await client.putManifest(dst, a.tag ?? a.digest, body, { ...opts, side: 'destination' });
  return descriptor;
}

/** The blobs of an image manifest, or the children (and their blobs) of an index, copied to `dst`. */
async function copyContent(client: RegistryClient, src: RepoRef, dst: RepoRef, m: { mediaType: string; bytes: Uint8Array }, opts: CallOptions): Promise<void> {
  if (!isIndexMediaType(m.mediaType)) {
    await copyBlobs(client, src, dst, manifestBlobDigests(m.bytes), opts);
    return;
  }
  for (const c of indexEntries(m.bytes)) {
    if (await client.headManifest(dst, c.digest, { ...opts, side: 'destination' })) continue;
    const child = await client.getManifest(src, c.digest, { ...opts, side: 'source' });
    await copyContent(client, src, dst, child, opts);
    await client.putManifest(dst, c.digest, { bytes: child.bytes, mediaType: child.mediaType }, { ...opts, side: 'destination' });
  }
}

/**
 * Makes `added` (referrers of `subject` just written to `dst`) listed among its referrers: on a
 * registry with the referrers API nothing is written; otherwise the fallback index gains them in
 * one write. Returns whether the fallback tag was written.
 */
export async function publishReferrers(
  client: RegistryClient,
  dst: RepoRef,
  subject: Digest,
  added: readonly Descriptor[],
  tags: TagIndex | undefined,
  opts: CallOptions = {},
): Promise<boolean> {
  if (added.length === 0) return false;
  const o = { ...opts, side: 'destination' as const };
  tags?.referrerAdded(dst, subject);
  if (client.referrersSupport?.(dst.host) !== false) {
    const listed = new Set((await client.listReferrers(dst, subject, o)).map((d) => d.digest));
    if (added.every((d) => listed.has(d.digest))) return false;
  }
  const tag = referrersTag(subject);
  // The base of the read-modify-write is read for real: entries someone else listed stay.
  const current = await getManifestIfPresent(client, dst, tag, o);
  const index = current ? (JSON.parse(Buffer.from(current.bytes).toString('utf8')) as Record<string, unknown>) : {};
  const existing = Array.isArray(index.manifests) ? (index.manifests as Descriptor[]) : [];
  const have = new Set(existing.map((d) => d.digest));
  const extra = added.filter((d) => !have.has(d.digest));
  if (extra.length === 0) return false;
  const next = { ...index, schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [...existing, ...extra] };
  await client.putManifest(dst, tag, { bytes: Buffer.from(JSON.stringify(next)), mediaType: MediaTypes.ociIndex }, o);
  tags?.add(dst, tag);
  return true;
}
