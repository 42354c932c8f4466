/**
 * The content of an image to copy: its manifest, and for an index its child manifests, with the
 * blobs each references. Parsed from the exact bytes read from the source (never re-serialised).
 */
import type { Digest, RepoRef } from '../image/ref.js';
import { KpromoError } from '../errors.js';
import type { FetchedManifest, RegistryClient } from '../registry/types.js';

/** A blob an image manifest references. */
export interface BlobRef {
  digest: Digest;
  size: number;
}

/** A manifest with its exact bytes and the blobs it references directly. */
export interface ManifestNode {
  manifest: FetchedManifest;
  blobs: BlobRef[];
  /** Child manifests (indexes only), in index order. */
  children: ManifestNode[];
}

interface RawDescriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  urls?: unknown;
}

/** Parses what a manifest references: child manifests (index) or config and layers (image). */
export function references(m: FetchedManifest): { children: RawDescriptor[]; blobs: BlobRef[] } {
  let doc: { manifests?: RawDescriptor[]; config?: RawDescriptor; layers?: RawDescriptor[] };
  try {
    doc = JSON.parse(Buffer.from(m.bytes).toString('utf8')) as typeof doc;
  } catch (err) {
    throw new KpromoError('INVALID_MANIFEST', `manifest ${m.digest} is not JSON`, { cause: err });
  }
  if (Array.isArray(doc.manifests)) return { children: doc.manifests, blobs: [] };
  const blobs = [doc.config, ...(doc.layers ?? [])]
    // Foreign (non-distributable) layers live at their `urls`, not in the registry.
    .filter((d): d is RawDescriptor => !!d && typeof d.digest === 'string' && !Array.isArray(d.urls))
    .map((d) => ({ digest: d.digest as Digest, size: Number(d.size ?? -1) }));
  return { children: [], blobs };
}

/**
 * Reads the children of `root` from `repo` (one GET per distinct child digest, shared through
 * `cache` across images) and returns the whole tree.
 */
export async function readGraph(
  client: RegistryClient,
  repo: RepoRef,
  root: FetchedManifest,
  cache: Map<string, Promise<FetchedManifest>>,
  signal?: AbortSignal,
): Promise<ManifestNode> {
  const { children, blobs } = references(root);
  const nodes = await Promise.all(
    children.map(async (c) => {
      if (typeof c.digest !== 'string') throw new KpromoError('INVALID_MANIFEST', `index ${root.digest} has a child without digest`);
      const key = `${repo.host}/${repo.repository}@${c.digest}`;
      let p = cache.get(key);
      if (!p) cache.set(key, (p = client.getManifest(repo, c.digest, { signal, side: 'source' })));
      return readGraph(client, repo, await p, cache, signal);
    }),
  );
  return { manifest: root, blobs, children: nodes };
}

/** Every distinct blob of a tree. */
export function allBlobs(node: ManifestNode): BlobRef[] {
  const out = new Map<string, BlobRef>();
  const walk = (n: ManifestNode): void => {
    for (const b of n.blobs) out.set(b.digest, b);
    n.children.forEach(walk);
  };
  walk(node);
  return [...out.values()];
}

/** The child manifests of a tree in push order: deepest first, so every manifest follows what it references. */
export function childManifests(node: ManifestNode): FetchedManifest[] {
  const out = new Map<string, FetchedManifest>();
  const walk = (n: ManifestNode): void => {
    for (const c of n.children) {
      walk(c);
      out.set(c.manifest.digest, c.manifest);
    }
  };
  walk(node);
  return [...out.values()];
}
