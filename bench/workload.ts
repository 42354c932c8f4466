/**
 * The benchmark's seeded fixtures: N images of L layers sharing a base layer, some of them
 * multi-platform indexes, and the kpromo manifest that promotes them to K mirrors.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Workload } from './floor.js';
import { buildImage, buildMultiPlatform, makeLayer, pushImage, pushIndex, type ImageData, type IndexData, type SeedTarget } from '../test/support/seed.js';

/** Size of the workload. */
export interface WorkloadSpec {
  images: number;
  /** How many of the images are 2-platform indexes. */
  indexes: number;
  layers: number;
  layerSize: number;
  baseSize: number;
}

/** Quick mode: small enough for well under 2 minutes with K = 4. */
export const QUICK: WorkloadSpec = { images: 8, indexes: 2, layers: 3, layerSize: 128 * 1024, baseSize: 1024 * 1024 };
/** Full mode: performance.md §7's default (N = 30, L = 4, 512 KiB layers, 2 MiB base). */
export const FULL: WorkloadSpec = { images: 30, indexes: 5, layers: 4, layerSize: 512 * 1024, baseSize: 2 * 1024 * 1024 };

/** One image of the workload with its repository name. */
export interface BenchImage {
  name: string;
  tag: string;
  data: ImageData | IndexData;
}

/** Built fixtures and their counts. */
export interface BuiltWorkload {
  images: BenchImage[];
  counts: Workload;
  uniqueBytes: number;
}

function blobsOf(d: ImageData | IndexData): Array<{ digest: string; size: number }> {
  if ('manifests' in d) return d.manifests.flatMap(blobsOf);
  return [d.config, ...d.layers];
}

/** Builds the images (deterministic for a spec). */
export function buildWorkload(spec: WorkloadSpec): BuiltWorkload {
  const base = makeLayer('bench-base', spec.baseSize);
  const images: BenchImage[] = [];
  for (let i = 0; i < spec.images; i++) {
    const name = `app${i}`;
    const data =
      i < spec.indexes
        ? buildMultiPlatform({ seed: `bench-index-${i}`, layerSize: spec.layerSize })
        : buildImage({ seed: `bench-${i}`, layers: spec.layers, layerSize: spec.layerSize, sharedLayers: [base] });
    images.push({ name, tag: 'v1', data });
  }
  const unique = new Map<string, number>();
  for (const img of images) for (const b of blobsOf(img.data)) unique.set(b.digest, b.size);
  const childManifests = images.reduce((n, img) => n + ('manifests' in img.data ? img.data.manifests.length : 0), 0);
  // each image has its own repository, which needs each of its distinct blobs (the base layer in several)
  const repoBlobs = images.reduce((n, img) => n + new Set(blobsOf(img.data).map((b) => b.digest)).size, 0);
  return {
    images,
    counts: { images: images.length, childManifests, tags: images.length, uniqueBlobs: unique.size, repos: images.length, repoBlobs },
    uniqueBytes: [...unique.values()].reduce((a, b) => a + b, 0),
  };
}

/** Pushes every image to `target` under `<prefix>/<name>:<tag>`. */
export async function pushWorkload(target: SeedTarget, prefix: string, w: BuiltWorkload): Promise<void> {
  for (const img of w.images) {
    const repo = `${prefix}/${img.name}`;
    if ('manifests' in img.data) await pushIndex(target, repo, img.data, img.tag);
    else await pushImage(target, repo, img.data, img.tag);
  }
}

/** Writes the kpromo manifest promoting every image from `src` (host/path) to each of `dsts`. */
export async function writeBenchManifest(dir: string, src: string, dsts: string[], w: BuiltWorkload): Promise<string> {
  const file = join(dir, `manifest-${dsts.length}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.yaml`);
  const doc = {
    registries: [{ name: src, src: true }, ...dsts.map((name) => ({ name }))],
    images: w.images.map((img) => ({ name: img.name, dmap: { [img.data.digest]: [img.tag] } })),
  };
  await writeFile(file, JSON.stringify(doc, null, 2));
  return file;
}
