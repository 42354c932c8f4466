/**
 * Sample images for the embedded demo: deterministic single-platform images and a
 * multi-platform index whose children share a base layer, built in memory and pushed through
 * any RegistryClient (blobs, then child manifests, then the index and its tag).
 */
import { createHash } from 'node:crypto';
import { digest as asDigest, type Digest, type RepoRef } from '../image/ref.js';
import { MediaTypes, type RegistryClient } from '../registry/types.js';

/** A blob with its bytes. */
export interface DemoBlob {
  digest: Digest;
  mediaType: string;
  bytes: Uint8Array;
}

/** A manifest with the blobs and child manifests it needs. */
export interface DemoManifest {
  digest: Digest;
  mediaType: string;
  bytes: Uint8Array;
  blobs: DemoBlob[];
  children: DemoManifest[];
}

const LAYER = 'application/vnd.oci.image.layer.v1.tar';
const CONFIG = 'application/vnd.oci.image.config.v1+json';

const sha256 = (b: Uint8Array): Digest => asDigest(`sha256:${createHash('sha256').update(b).digest('hex')}`);

/** `size` reproducible bytes derived from `seed` (a sha256 chain). */
export function seededBytes(seed: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    out.set(block.subarray(0, Math.min(block.length, size - off)), off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** A blob of `bytes`. */
export function blob(bytes: Uint8Array, mediaType: string): DemoBlob {
  return { digest: sha256(bytes), mediaType, bytes };
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
const descriptor = (b: { digest: Digest; mediaType: string; bytes: Uint8Array }) => ({ mediaType: b.mediaType, digest: b.digest, size: b.bytes.length });

/** An OCI image for one platform: the given layers plus one of its own, and a config. */
export function buildImage(seed: string, opts: { os?: string; architecture?: string; shared?: DemoBlob[]; layerSize?: number } = {}): DemoManifest {
  const platform = { os: opts.os ?? 'linux', architecture: opts.architecture ?? 'amd64' };
  const layers = [...(opts.shared ?? []), blob(seededBytes(`${seed}/layer`, opts.layerSize ?? 4096), LAYER)];
  const config = blob(json({ ...platform, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: { Labels: { 'demo.seed': seed } } }), CONFIG);
  const bytes = json({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: descriptor(config), layers: layers.map(descriptor) });
  return { digest: sha256(bytes), mediaType: MediaTypes.ociManifest, bytes, blobs: [config, ...layers], children: [] };
}

/** A multi-platform OCI index over `platforms`, whose children share one base layer. */
export function buildMultiPlatform(seed: string, platforms: readonly string[] = ['amd64', 'arm64']): DemoManifest {
  const base = blob(seededBytes(`${seed}/base`, 8192), LAYER);
  const children = platforms.map((architecture) => buildImage(`${seed}/${architecture}`, { architecture, shared: [base] }));
  const bytes = json({
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: children.map((c, i) => ({ ...descriptor(c), platform: { os: 'linux', architecture: platforms[i] } })),
  });
  return { digest: sha256(bytes), mediaType: MediaTypes.ociIndex, bytes, blobs: [], children };
}

/** Pushes `m` to `repo` in a safe order (blobs, children, then the manifest) and tags it. */
export async function pushManifest(client: RegistryClient, repo: RepoRef, m: DemoManifest, tag?: string): Promise<Digest> {
  for (const c of m.children) await pushManifest(client, repo, c);
  for (const b of m.blobs) {
    if (!(await client.headBlob(repo, b.digest))) await client.uploadBlob(repo, { digest: b.digest, size: b.bytes.length }, b.bytes);
  }
  return client.putManifest(repo, tag ?? m.digest, { bytes: m.bytes, mediaType: m.mediaType });
}
