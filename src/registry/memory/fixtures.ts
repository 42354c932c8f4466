/**
 * Deterministic test images for unit and integration tests: seeded pseudo-random layer bytes,
 * config JSON, OCI/Docker manifests, multi-platform OCI indexes and Docker manifest lists with
 * shared layers, OCI 1.1 artifacts with a `subject` (pure builders; the same seed always gives
 * the same digests), and helpers that put them into a RegistryStore.
 */
import { createHash } from 'node:crypto';
import type { Digest, RepoRef } from '../../image/ref.js';
import type { RegistryStore } from '../store/store.js';
import { MediaTypes, type RegistryClient } from '../types.js';

/** A blob with its bytes. */
export interface BlobData {
  mediaType: string;
  digest: Digest;
  size: number;
  bytes: Uint8Array;
}

/** A manifest (image or index) with its exact bytes. */
export interface ManifestData {
  mediaType: string;
  digest: Digest;
  size: number;
  bytes: Uint8Array;
}

/** An image manifest and the blobs it references. */
export interface ImageData extends ManifestData {
  config: BlobData;
  layers: BlobData[];
}

/** An index (or Docker list) and the images it references. */
export interface IndexData extends ManifestData {
  manifests: ImageData[];
}

/** A platform of an index entry. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** `sha256:<hex>` of bytes. */
export function sha256(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

/** Deterministic pseudo-random bytes: sha256(seed:counter) blocks, truncated to `size`. */
export function seededBytes(seed: string, size: number): Uint8Array {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; off += 32, i++) {
    createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off);
  }
  return new Uint8Array(out.buffer, out.byteOffset, size);
}

/** A blob from bytes. */
export function blobOf(bytes: Uint8Array, mediaType: string): BlobData {
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes };
}

/** A seeded layer blob. */
export function makeLayer(seed: string, size = 256, mediaType: string = MediaTypes.ociLayer): BlobData {
  return blobOf(seededBytes(`layer:${seed}`, size), mediaType);
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
const descOf = (b: { mediaType: string; digest: string; size: number }) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size });

/** What an image to build looks like. Every field but `seed` is optional. */
export interface ImageSpec {
  seed: string;
  /** Number of own (seeded) layers; default 1. */
  layers?: number;
  layerSize?: number;
  /** Layers placed first (e.g. a base layer shared between platforms). */
  sharedLayers?: BlobData[];
  platform?: Platform;
  /** Manifest format; default 'oci'. */
  format?: 'oci' | 'docker';
  /** OCI 1.1 `subject` (makes this a referrer of that manifest). */
  subject?: { mediaType: string; digest: string; size: number };
  /** OCI 1.1 `artifactType`; also switches the config to the empty descriptor. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Builds an image (or artifact) manifest with its config and layers. */
export function buildImage(spec: ImageSpec): ImageData {
  const docker = spec.format === 'docker';
  const layerType = docker ? MediaTypes.dockerLayer : MediaTypes.ociLayer;
  const own = Array.from({ length: spec.layers ?? 1 }, (_, i) => makeLayer(`${spec.seed}:${i}`, spec.layerSize ?? 256, layerType));
  const layers = [...(spec.sharedLayers ?? []), ...own];
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const config = spec.artifactType
    ? blobOf(new TextEncoder().encode('{}'), MediaTypes.ociEmpty)
    : blobOf(
        json({ ...platform, created: '1970-01-01T00:00:00Z', config: { Labels: { seed: spec.seed } }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }),
        docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig,
      );
  const mediaType = docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest;
  const doc: Record<string, unknown> = { schemaVersion: 2, mediaType };
  if (spec.artifactType && !docker) doc.artifactType = spec.artifactType;
  doc.config = descOf(config);
  doc.layers = layers.map(descOf);
  if (spec.subject && !docker) doc.subject = descOf(spec.subject);
  if (spec.annotations) doc.annotations = spec.annotations;
  const bytes = json(doc);
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes, config, layers };
}

/** Builds an OCI index (or a Docker manifest list) over `children`. */
export function buildIndex(children: ImageData[], opts: { format?: 'oci' | 'docker'; annotations?: Record<string, string>; platforms?: Platform[] } = {}): IndexData {
  const docker = opts.format === 'docker';
  const mediaType = docker ? MediaTypes.dockerList : MediaTypes.ociIndex;
  const manifests = children.map((c, i) => {
    const platform = opts.platforms?.[i] ?? platformOf(c);
    return platform ? { ...descOf(c), platform } : descOf(c);
  });
  const doc: Record<string, unknown> = { schemaVersion: 2, mediaType, manifests };
  if (opts.annotations && !docker) doc.annotations = opts.annotations;
  const bytes = json(doc);
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes, manifests: children };
}

/** The platform recorded in an image's config (undefined for artifacts). */
function platformOf(img: ImageData): Platform | undefined {
  if (img.config.mediaType === MediaTypes.ociEmpty) return undefined;
  const cfg = JSON.parse(new TextDecoder().decode(img.config.bytes)) as Platform;
  return { os: cfg.os, architecture: cfg.architecture, ...(cfg.variant ? { variant: cfg.variant } : {}) };
}

/** Default platforms of a multi-platform image. */
export const DEFAULT_PLATFORMS: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];

/** A multi-platform image: one image per platform, all sharing one base layer. */
export function buildMultiPlatform(spec: { seed: string; platforms?: Platform[]; format?: 'oci' | 'docker'; layerSize?: number }): IndexData {
  const docker = spec.format === 'docker';
  const base = makeLayer(`${spec.seed}:base`, spec.layerSize ?? 256, docker ? MediaTypes.dockerLayer : MediaTypes.ociLayer);
  const children = (spec.platforms ?? DEFAULT_PLATFORMS).map((p) =>
    buildImage({ seed: `${spec.seed}:${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`, platform: p, sharedLayers: [base], format: spec.format, layerSize: spec.layerSize }),
  );
  return buildIndex(children, { format: spec.format });
}

/** Puts an image into a store: blobs, then the manifest by digest, then the tag when given. */
export async function putImage(store: RegistryStore, repo: string, image: ImageData, tag?: string): Promise<ImageData> {
  for (const b of [image.config, ...image.layers]) await store.putBlob(repo, b.digest, b.bytes);
  await store.putManifest(repo, image.digest, { mediaType: image.mediaType, bytes: image.bytes });
  if (tag !== undefined) await store.setTag(repo, tag, image.digest);
  return image;
}

/** Puts an index into a store: each child image, then the index, then the tag when given. */
export async function putIndex(store: RegistryStore, repo: string, index: IndexData, tag?: string): Promise<IndexData> {
  for (const child of index.manifests) await putImage(store, repo, child);
  await store.putManifest(repo, index.digest, { mediaType: index.mediaType, bytes: index.bytes });
  if (tag !== undefined) await store.setTag(repo, tag, index.digest);
  return index;
}

/**
 * Pushes an image or index through a RegistryClient in a safe order (blobs a HEAD does not find,
 * child manifests, then the manifest itself, by `tag` when given); returns its digest.
 */
export async function pushTo(client: RegistryClient, repo: RepoRef, m: ImageData | IndexData, tag?: string): Promise<Digest> {
  if ('manifests' in m) {
    for (const child of m.manifests) await pushTo(client, repo, child);
  } else {
    for (const b of [m.config, ...m.layers]) {
      if (!(await client.headBlob(repo, b.digest))) await client.uploadBlob(repo, { digest: b.digest, size: b.size }, b.bytes);
    }
  }
  return client.putManifest(repo, tag ?? m.digest, { bytes: m.bytes, mediaType: m.mediaType });
}
