/**
 * A registry.k8s.io-shaped steady state, small: images in projects, digests (some of them
 * indexes), about one tag per digest with a few tagless and a few twice-tagged, and a handful of
 * new digests to promote. Written straight into Distribution's storage directory (the filesystem
 * driver's layout) rather than pushed, so thousands of manifests cost seconds to set up.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, buildMultiPlatform, type ImageData, type IndexData } from '../src/registry/memory/fixtures.js';

/** Sizes of the fixture. */
export interface ScaleSpec {
  images: number;
  projects: number;
  digestsPerImage: number;
  /** Every n-th digest is an index of 2 platforms. */
  indexEvery: number;
  /** Every n-th digest is tagless; every n-th (offset by half) has a second tag. */
  taglessEvery: number;
  /** New digests (one new tag each), on the first images, present in staging only. */
  fresh: number;
}

/** The default: 1/10 of registry.k8s.io's images (1,350 → 135), same shape. */
export const SCALE_SPEC: ScaleSpec = { images: 135, projects: 10, digestsPerImage: 4, indexEvery: 10, taglessEvery: 18, fresh: 5 };

/** One digest of an image and its tags. */
export interface ScaleDigest {
  data: ImageData | IndexData;
  tags: string[];
}

/** One image: its name and digests; `fresh` ones are new (staging only). */
export interface ScaleImage {
  name: string;
  digests: ScaleDigest[];
  fresh: ScaleDigest[];
}

/** Builds the fixture (deterministic). */
export function buildScaleFixture(spec: ScaleSpec = SCALE_SPEC): ScaleImage[] {
  const out: ScaleImage[] = [];
  let n = 0;
  const make = (seed: string): ImageData | IndexData =>
    ++n % spec.indexEvery === 0
      ? buildMultiPlatform({ seed, layerSize: 64, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] })
      : buildImage({ seed, layerSize: 64 });
  for (let i = 0; i < spec.images; i++) {
    const name = `project-${i % spec.projects}/image-${i}`;
    const digests: ScaleDigest[] = [];
    for (let d = 0; d < spec.digestsPerImage; d++) {
      const k = i * spec.digestsPerImage + d;
      const tags = k % spec.taglessEvery === 0 ? [] : k % spec.taglessEvery === spec.taglessEvery >> 1 ? [`v1.${d}.0`, `v1.${d}`] : [`v1.${d}.0`];
      digests.push({ data: make(`scale-${i}-${d}`), tags });
    }
    const fresh = i < spec.fresh ? [{ data: make(`scale-${i}-fresh`), tags: ['v2.0.0'] }] : [];
    out.push({ name, digests, fresh });
  }
  return out;
}

/** Counts of a fixture, for the report. */
export function scaleCounts(images: readonly ScaleImage[]): { images: number; digests: number; indexes: number; tags: number; tagless: number; fresh: number } {
  const all = images.flatMap((i) => i.digests);
  return {
    images: images.length,
    digests: all.length,
    indexes: all.filter((d) => 'manifests' in d.data).length,
    tags: all.reduce((n, d) => n + d.tags.length, 0),
    tagless: all.filter((d) => d.tags.length === 0).length,
    fresh: images.reduce((n, i) => n + i.fresh.length, 0),
  };
}

/** Writes images into a Distribution filesystem root (`rootdirectory`), under `prefix/`. */
export class StorageWriter {
  private readonly blobs = new Set<string>();
  private readonly v2: string;

  constructor(root: string) {
    this.v2 = join(root, 'docker', 'registry', 'v2');
  }

  /** Writes one digest with its tags into `repo`. */
  async write(repo: string, d: ScaleDigest): Promise<void> {
    const data = d.data;
    const children = 'manifests' in data ? data.manifests : [];
    for (const img of [...children, ...('manifests' in data ? [] : [data])]) {
      for (const b of [img.config, ...img.layers]) {
        await this.blob(b.digest, b.bytes);
        await this.link(join('repositories', repo, '_layers', ...split(b.digest), 'link'), b.digest);
      }
      if (img !== data) await this.manifest(repo, img.digest, img.bytes);
    }
    await this.manifest(repo, data.digest, data.bytes);
    for (const t of d.tags) {
      await this.link(join('repositories', repo, '_manifests', 'tags', t, 'current', 'link'), data.digest);
      await this.link(join('repositories', repo, '_manifests', 'tags', t, 'index', ...split(data.digest), 'link'), data.digest);
    }
  }

  /**
   * Writes a cosign-style signature of `d` (and of an index's children) into `repo`: a small
   * image under the tag `sha256-<hex>.sig`, as a promotion with canonical signing leaves on the
   * first mirror. Its content is not a real signature; the plan only lists the tag.
   */
  async signature(repo: string, d: ScaleDigest): Promise<void> {
    const subjects = [d.data.digest, ...('manifests' in d.data ? d.data.manifests.map((c) => c.digest) : [])];
    for (const subject of subjects) {
      await this.write(repo, { data: buildImage({ seed: `sig-${subject}`, layerSize: 16 }), tags: [`${subject.replace(':', '-')}.sig`] });
    }
  }

  private async manifest(repo: string, digest: string, bytes: Uint8Array): Promise<void> {
    await this.blob(digest, bytes);
    await this.link(join('repositories', repo, '_manifests', 'revisions', ...split(digest), 'link'), digest);
  }

  private async blob(digest: string, bytes: Uint8Array): Promise<void> {
    if (this.blobs.has(digest)) return;
    this.blobs.add(digest);
    const hex = digest.slice('sha256:'.length);
    const dir = join(this.v2, 'blobs', 'sha256', hex.slice(0, 2), hex);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'data'), bytes);
  }

  private async link(path: string, digest: string): Promise<void> {
    const file = join(this.v2, path);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, digest);
  }
}

const split = (digest: string): [string, string] => ['sha256', digest.slice('sha256:'.length)];
