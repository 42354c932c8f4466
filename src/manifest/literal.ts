/**
 * A PromoterManifest from a compact literal, for table tests: a source registry, destination
 * registries, and image → digest character → tags (the digest is `sha256:` and the character
 * 64 times).
 */
import { digest, imageName, registryName, tag, type Digest } from '../image/ref.js';
import type { PromoterManifest } from './schema.js';

/** `sha256:` followed by `c` 64 times. */
export const literalDigest = (c: string): Digest => digest(`sha256:${c.repeat(64)}`);

/** The manifest `m.yaml` promoting `images` from `src` to each of `dsts`. */
export function manifestLiteral(src: string, dsts: string[], images: Record<string, Record<string, string[]>>): PromoterManifest {
  const pos = { file: 'm.yaml' };
  return {
    file: 'm.yaml',
    registries: [{ name: registryName(src), src: true, pos }, ...dsts.map((d) => ({ name: registryName(d), src: false, pos }))],
    images: Object.entries(images).map(([name, dm]) => ({
      name: imageName(name),
      dmap: new Map(Object.entries(dm).map(([c, tags]) => [literalDigest(c), tags.map(tag)])),
      pos,
      digestPos: new Map(),
    })),
  };
}
