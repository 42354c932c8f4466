/**
 * The `image` attributes of a source digest, read from the registry once per digest and only
 * when some condition reads them: media type, the platforms and digests of an index's children,
 * and size.
 */
import type { Digest, RepoRef } from '../image/ref.js';
import { repoKey } from '../image/ref.js';
import type { RegistryClient } from '../registry/types.js';
import type { PolicyInput } from './attributes.js';

/** The image attributes. */
export type ImageFacts = PolicyInput['image'];

interface ManifestJson {
  mediaType?: string;
  config?: { size?: number };
  layers?: { size?: number }[];
  manifests?: { digest?: unknown; platform?: { os?: string; architecture?: string; variant?: string } }[];
}

/** Facts of one manifest's bytes. */
export function factsOf(bytes: Uint8Array, mediaType: string): ImageFacts {
  const m = JSON.parse(new TextDecoder().decode(bytes)) as ManifestJson;
  const platforms = (m.manifests ?? [])
    .map((c) => c.platform)
    .filter((p): p is NonNullable<typeof p> => Boolean(p?.os && p.architecture))
    .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/'));
  const size = m.manifests ? -1 : (m.config?.size ?? 0) + (m.layers ?? []).reduce((a, l) => a + (l.size ?? 0), 0);
  const children = (m.manifests ?? []).map((c) => c.digest).filter((d): d is string => typeof d === 'string');
  return { mediaType: m.mediaType ?? mediaType, platforms, children, size };
}

/** Reads image facts through `client`, once per `repo@digest`. */
export class ImageFactsReader {
  private readonly cache = new Map<string, Promise<ImageFacts>>();
  /** How many manifests were read (for tests and the report). */
  reads = 0;

  constructor(private readonly client: RegistryClient) {}

  /** The facts of `digest` in `repo`. */
  of(repo: RepoRef, digest: Digest, signal?: AbortSignal): Promise<ImageFacts> {
    const k = `${repoKey(repo)}@${digest}`;
    let p = this.cache.get(k);
    if (!p) {
      this.reads++;
      p = this.client.getManifest(repo, digest, { signal }).then((m) => factsOf(m.bytes, m.mediaType));
      this.cache.set(k, p);
    }
    return p;
  }
}
