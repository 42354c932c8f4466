/**
 * Harness for trust-phase tests: three registries (staging + two mirrors) of either kind — real
 * Distribution 2.8 (no referrers API: tag-schema fallback) or the in-process registry (with the
 * referrers API) — a promotion run with a TrustConfig, and independent readers of what landed.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryLogger } from '../../src/log.js';
import type { PromotionResult } from '../../src/pipeline/promoter.js';
import type { TrustConfig } from '../../src/pipeline/phases/trust.js';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import type { RegistryClient } from '../../src/registry/types.js';
import { startRegistryServer } from '../../src/registry/server/server.js';
import { createKeySigner } from '../../src/signing/key-signer.js';
import { createVerifier } from '../../src/signing/verifier.js';
import { startDistributions, stopAll } from '../support/distribution.js';
import { fetchManifest, type SeedTarget } from '../support/seed.js';
import { promote } from '../e2e/harness.js';

/** Which registry implementation a test runs against. */
export type RegistryKind = 'distribution' | 'in-process';

/** A running environment. */
export interface TrustEnv {
  kind: RegistryKind;
  staging: SeedTarget & { host: string };
  mirrors: (SeedTarget & { host: string })[];
  dir: string;
  client: RegistryClient;
  stop(): Promise<void>;
}

/** Starts staging + `mirrors` mirrors (default 2) of `kind` and a client for seeding. */
export async function startTrustEnv(kind: RegistryKind, mirrors = 2): Promise<TrustEnv> {
  const regs =
    kind === 'distribution'
      ? await startDistributions(mirrors + 1)
      : await Promise.all(Array.from({ length: mirrors + 1 }, () => startRegistryServer({ referrers: true })));
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-trust-'));
  const client = createHttpRegistryClient();
  return {
    kind,
    staging: regs[0]!,
    mirrors: regs.slice(1),
    dir,
    client,
    stop: async () => {
      await client.close();
      await stopAll(regs);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A P-256 key pair with its public PEM. */
export interface TestKey {
  privateKey: KeyObject;
  publicPem: string;
}

/** A fresh P-256 key. */
export function newKey(): TestKey {
  const k = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey: k.privateKey, publicPem: k.publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

/** A key-based TrustConfig: verify staging with `verifyWith`, sign with `signWith` (none: --sign=false). */
export function keyTrust(verifyWith: TestKey, signWith: TestKey | undefined, over: Partial<TrustConfig> = {}): TrustConfig {
  return {
    verifier: createVerifier({ kind: 'publicKey', publicKeyPem: verifyWith.publicPem }),
    requireSignatures: false,
    provenance: { require: false, allowedBuilders: [], allowedSourceRepos: [] },
    signer: signWith ? createKeySigner(signWith.privateKey) : undefined,
    format: 'simple',
    placement: 'canonical',
    maxOps: 4,
    version: 'test',
    now: () => new Date('2026-01-02T03:04:05.678Z'),
    ...over,
  };
}

/** Runs a promotion of `manifest` with `trust`, wired as the e2e harness wires it. */
export function promoteWithTrust(
  manifest: string,
  trust: TrustConfig,
  opts: { confirm?: boolean } = {},
): Promise<PromotionResult & { logger: MemoryLogger }> {
  return promote(manifest, { ...opts, trust });
}

/** Referrer descriptors of `digest`, read without kpromo: the referrers API, or the fallback tag. */
export async function referrersOf(env: TrustEnv, target: SeedTarget, repo: string, digest: string): Promise<{ digest: string; artifactType?: string; annotations?: Record<string, string> }[]> {
  if (env.kind === 'in-process') {
    const res = await fetch(`${target.url}/v2/${repo}/referrers/${digest}`);
    if (res.status !== 200) throw new Error(`referrers API answered ${res.status}`);
    return ((await res.json()) as { manifests: [] }).manifests;
  }
  const m = await fetchManifest(target, repo, digest.replace(':', '-'));
  if (m.status === 404) return [];
  return (JSON.parse(Buffer.from(m.body).toString()) as { manifests: [] }).manifests;
}

/** A manifest as JSON, or undefined on 404. */
export async function manifestJson(target: SeedTarget, repo: string, ref: string): Promise<any> {
  const m = await fetchManifest(target, repo, ref);
  if (m.status === 404) return undefined;
  if (m.status !== 200) throw new Error(`${repo}:${ref} answered ${m.status}`);
  return JSON.parse(Buffer.from(m.body).toString());
}
