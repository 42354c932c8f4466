/**
 * The demo's world: an in-process staging registry and three mirrors on 127.0.0.1, sample images
 * in staging, and a thin-manifest tree in a temp dir that promotes them to every mirror.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Digest } from '../../image/ref.js';
import { createHttpRegistryClient } from '../../registry/http/client.js';
import { startRegistryServer, type RegistryServer } from '../../registry/server/server.js';
import { buildImage, buildMultiPlatform, pushTo, type ImageData, type IndexData } from '../../registry/memory/fixtures.js';
import { InputError } from '../../errors.js';

/** Path of the images inside the staging registry and inside each mirror. */
export const STAGING_PATH = 'k8s-staging-demo';
export const MIRROR_PATH = 'k8s-artifacts-prod/images';
/** The platforms of the demo's multi-platform index. */
const DEMO_PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];
/** How many mirrors the demo promotes to. */
export const MIRROR_COUNT = 3;

/** One sample image: its name, tags and what it is. */
export interface SampleImage {
  name: string;
  tags: string[];
  kind: string;
  manifest: ImageData | IndexData;
}

/** Everything the demo set up; `close()` stops the registries and removes the temp dir. */
export interface DemoWorld {
  staging: RegistryServer;
  mirrors: RegistryServer[];
  images: SampleImage[];
  /** The thin-manifest root (`--thin-manifest-dir`). */
  dir: string;
  close(): Promise<void>;
}

/** The sample images: two single-platform images (one nested), and a multi-platform index. */
export function sampleImages(): SampleImage[] {
  return [
    { name: 'pause', tags: ['3.10'], kind: 'single-platform image', manifest: buildImage({ seed: 'demo/pause', layerSize: 4096 }) },
    { name: 'demo-app', tags: ['v1.0.0', 'v1.0'], kind: 'multi-platform index (amd64, arm64, shared base layer)', manifest: buildMultiPlatform({ seed: 'demo/app', platforms: DEMO_PLATFORMS, layerSize: 4096 }) },
    { name: 'tools/kubectl', tags: ['v1.31.0'], kind: 'single-platform image, nested name', manifest: buildImage({ seed: 'demo/kubectl', layerSize: 16384 }) },
  ];
}

/** Where the demo's thin manifest tree keeps its registries and its images, relative to its root. */
export const DEMO_MANIFEST_FILE = 'manifests/k8s-staging-demo/promoter-manifest.yaml';
export const DEMO_IMAGES_FILE = 'images/k8s-staging-demo/images.yaml';

/** The thin manifest files promoting `images` from staging to every mirror. */
export function thinManifestFiles(staging: string, mirrors: readonly string[], images: readonly SampleImage[]): Record<string, string> {
  const registries = [
    `- name: ${staging}/${STAGING_PATH}`,
    '  src: true',
    ...mirrors.map((m) => `- name: ${m}/${MIRROR_PATH}`),
  ];
  const list = images.flatMap((i) => [`- name: ${i.name}`, '  dmap:', `    "${i.manifest.digest}": [${i.tags.map((t) => `"${t}"`).join(', ')}]`]);
  return {
    [DEMO_MANIFEST_FILE]: `# written by kpromo demo\nregistries:\n${registries.join('\n')}\n`,
    [DEMO_IMAGES_FILE]: `${list.join('\n')}\n`,
  };
}

/** The registries' names under `<keep>/registries/`: staging, then mirror-1 … mirror-N. */
export const registryNames = (): string[] => ['staging', ...Array.from({ length: MIRROR_COUNT }, (_, i) => `mirror-${i + 1}`)];

/**
 * Starts the registries, seeds staging and writes the manifest tree: in a temp dir removed by
 * `close()`, or with `keep` in that directory (which must be new or empty), kept with the
 * registries' content (`registries/<name>`), so the run can be repeated by hand.
 */
export async function createDemoWorld(opts: { keep?: string } = {}): Promise<DemoWorld> {
  const servers: RegistryServer[] = [];
  let dir: string | undefined;
  const close = async () => {
    await Promise.allSettled(servers.map((s) => s.stop()));
    if (dir && !opts.keep) await rm(dir, { recursive: true, force: true });
  };
  try {
    if (opts.keep) {
      await mkdir(opts.keep, { recursive: true });
      if ((await readdir(opts.keep)).length > 0) throw new InputError([{ message: `--keep ${opts.keep}: the directory is not empty (give a new or empty one)` }]);
      dir = opts.keep;
    }
    for (const name of registryNames()) {
      const store = opts.keep ? { dir: join(opts.keep, 'registries', name) } : {};
      servers.push(await startRegistryServer({ host: '127.0.0.1', port: 0, ...store }));
    }
    const [staging, ...mirrors] = servers as [RegistryServer, ...RegistryServer[]];
    const images = sampleImages();
    const client = createHttpRegistryClient();
    try {
      for (const img of images) {
        const repo = { host: staging.host, repository: `${STAGING_PATH}/${img.name}` };
        for (const t of img.tags) await pushTo(client, repo, img.manifest, t);
      }
    } finally {
      await client.close();
    }
    dir ??= await mkdtemp(join(tmpdir(), 'kpromo-demo-'));
    for (const [rel, text] of Object.entries(thinManifestFiles(staging.host, mirrors.map((m) => m.host), images))) {
      await mkdir(join(dir, rel, '..'), { recursive: true });
      await writeFile(join(dir, rel), text);
    }
    return { staging, mirrors, images, dir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The digest each tag of each sample image must have on every mirror. */
export function expectedTags(images: readonly SampleImage[]): { name: string; tag: string; digest: Digest }[] {
  return images.flatMap((i) => i.tags.map((tag) => ({ name: i.name, tag, digest: i.manifest.digest })));
}
