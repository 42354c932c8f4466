/**
 * End-to-end harness for promotions against real Distribution registries: one staging and N
 * mirrors, manifests written to a temp dir, and a promoter wired exactly as the CLI wires it
 * (undici transport, network policy, HTTP registry client) with fast retries for down hosts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '../../src/log.js';
import { createHttpTransport } from '../../src/net/http-transport.js';
import { createNetwork } from '../../src/net/policy.js';
import { runPromotion, type PromotionResult } from '../../src/pipeline/promoter.js';
import type { TrustConfig } from '../../src/pipeline/phases/trust.js';
import type { PolicyConfig } from '../../src/pipeline/phases/policy.js';
import type { PromotionOptions } from '../../src/pipeline/state.js';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import { startDistributions, stopAll, type Distribution } from '../support/distribution.js';
import { fetchBlob, fetchManifest, type ImageData, type IndexData, type SeedTarget } from '../support/seed.js';

/** A staging registry, mirrors and a scratch dir. */
export interface E2eEnv {
  staging: Distribution;
  mirrors: Distribution[];
  dir: string;
  stop(): Promise<void>;
}

/** Starts a staging registry and `mirrors` mirrors. */
export async function startEnv(mirrors: number): Promise<E2eEnv> {
  const regs = await startDistributions(mirrors + 1);
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-e2e-'));
  return {
    staging: regs[0]!,
    mirrors: regs.slice(1),
    dir,
    stop: async () => {
      await stopAll(regs);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One image entry of a manifest: name and digest → tags. */
export interface ManifestImage {
  name: string;
  dmap: Record<string, string[]>;
}

/** Writes a plain promoter manifest (JSON is YAML) promoting `images` from `src` to every `dsts`. */
export async function writeManifest(dir: string, src: string, dsts: string[], images: ManifestImage[]): Promise<string> {
  const file = join(dir, `manifest-${Math.random().toString(36).slice(2)}.yaml`);
  const doc = { registries: [{ name: src, src: true }, ...dsts.map((name) => ({ name }))], images };
  await writeFile(file, JSON.stringify(doc, null, 2));
  return file;
}

/** Runs a confirmed (or dry) promotion of `manifest` (with the trust phases when `trust` is given) with a fresh client; returns the result and the log. */
export async function promote(
  manifest: string,
  opts: { confirm?: boolean; trust?: TrustConfig; options?: Partial<PromotionOptions>; policy?: PolicyConfig } = {},
): Promise<PromotionResult & { logger: MemoryLogger }> {
  const logger = new MemoryLogger();
  // Few fast retries: a mirror that is down should fail the test's run in well under a second.
  const net = createNetwork({ base: createHttpTransport(), retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5 } });
  const registry = createHttpRegistryClient({ transport: net.transport, retry: net.retry, logger });
  try {
    const r = await runPromotion(
      { manifests: { manifest }, confirm: opts.confirm ?? true, parseOnly: false, ...opts.options },
      { registry, logger, stats: () => net.stats() },
      { trust: opts.trust, policy: opts.policy },
    );
    return { ...r, logger };
  } finally {
    await registry.close();
    await net.close();
  }
}

/** Counts of writes in a result's request stats. */
export function writes(r: PromotionResult): number {
  const kinds = ['manifest-put', 'blob-mount', 'upload-start', 'upload-patch', 'upload-put'] as const;
  const requests = (r.report.requests ?? []) as { byKind: Record<string, number> }[];
  return requests.reduce((n, h) => n + kinds.reduce((m, k) => m + (h.byKind[k] ?? 0), 0), 0);
}

const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Reads an image back from `target` with plain fetches and checks every byte against the seed. */
export async function assertHasImage(target: SeedTarget, repo: string, img: ImageData | IndexData, tag?: string): Promise<void> {
  for (const ref of tag ? [tag, img.digest] : [img.digest]) {
    const m = await fetchManifest(target, repo, ref);
    assert.equal(m.status, 200, `${target.url}/${repo}:${ref} status`);
    assert.equal(sha(m.body), img.digest, `${target.url}/${repo}:${ref} digest`);
    assert.deepEqual(Buffer.from(m.body), Buffer.from(img.bytes), `${target.url}/${repo}:${ref} bytes`);
  }
  const images = 'manifests' in img ? img.manifests : [img];
  for (const child of images) {
    if (child !== img) await assertHasImage(target, repo, child);
    for (const b of [child.config, ...child.layers]) {
      const got = await fetchBlob(target, repo, b.digest);
      assert.equal(got.status, 200, `${target.url}/${repo} blob ${b.digest}`);
      assert.equal(sha(got.body), b.digest, `${target.url}/${repo} blob ${b.digest} content`);
    }
  }
}
