/**
 * Small registry helpers the trust phases share: read a blob into memory (signature material is
 * small), upload a built image (blobs first, then the manifest), copy an image's blobs + bytes.
 */
import { KpromoError } from '../errors.js';
import type { Readable } from 'node:stream';
import type { Digest, RepoRef } from '../image/ref.js';
import { RegistryError } from '../registry/errors.js';
import type { CallOptions, FetchedManifest, RegistryClient } from '../registry/types.js';
import type { BuiltImage } from './sig-image.js';

/** Largest signature/attestation blob read into memory. */
export const MAX_TRUST_BLOB = 4 * 1024 * 1024;

/** Reads a (small) blob fully; throws when it exceeds MAX_TRUST_BLOB. */
export async function readBlob(client: RegistryClient, repo: RepoRef, digest: Digest, opts?: CallOptions): Promise<Buffer> {
  const stream: Readable = await client.getBlob(repo, digest, opts);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > MAX_TRUST_BLOB) {
      stream.destroy();
      throw new KpromoError('BLOB_TOO_LARGE', `blob ${digest} in ${repo.repository} is larger than ${MAX_TRUST_BLOB} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Pushes a built image: each missing blob, then the manifest under `reference` (tag or digest). */
export async function pushImage(
  client: RegistryClient,
  repo: RepoRef,
  image: BuiltImage,
  reference: string,
  opts?: CallOptions,
): Promise<Digest> {
  for (const b of image.blobs) {
    if (await client.headBlob(repo, b.digest, opts)) continue;
    await client.uploadBlob(repo, { digest: b.digest, size: b.bytes.byteLength }, b.bytes, opts);
  }
  return client.putManifest(repo, reference, image.manifest, opts);
}

/** Copies the blobs `digests` from `src` to `dst` (mount on the same host, else read + upload). */
export async function copyBlobs(
  client: RegistryClient,
  src: RepoRef,
  dst: RepoRef,
  digests: readonly Digest[],
  opts?: CallOptions,
): Promise<void> {
  for (const d of digests) {
    // One request decides: a mount (from the source's repository on the same host, else from the
    // destination repository itself) answers 201 when the blob is there, or opens the upload
    // session the bytes then go through. A registry that refuses mounts gets a HEAD and a plain upload.
    const from = src.host === dst.host ? src.repository : dst.repository;
    const m = await client.mountBlob(dst, d, from, opts).catch(() => undefined);
    if (m?.mounted) continue;
    if (!m && (await client.headBlob(dst, d, opts))) continue;
    const bytes = await readBlob(client, src, d, opts);
    await client.uploadBlob(dst, { digest: d, size: bytes.byteLength }, bytes, { ...opts, ...(m ? { session: m.session } : {}) });
  }
}

/** The config and layer digests of an image manifest (not an index). */
export function manifestBlobDigests(bytes: Uint8Array): Digest[] {
  const m = JSON.parse(new TextDecoder().decode(bytes)) as {
    config?: { digest: Digest };
    layers?: { digest: Digest }[];
  };
  return [...(m.config ? [m.config.digest] : []), ...(m.layers ?? []).map((l) => l.digest)];
}

/** GET a manifest, or undefined when the registry says it is not there: one request either way. */
export async function getManifestIfPresent(
  client: RegistryClient,
  repo: RepoRef,
  reference: string,
  opts?: CallOptions,
): Promise<FetchedManifest | undefined> {
  try {
    return await client.getManifest(repo, reference, opts);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) return undefined;
    throw err;
  }
}
