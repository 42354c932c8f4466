/**
 * What the manifests declare, per destination repository: every tag (and the digest it must
 * name) and every digest, with the source each digest comes from. Pure, from the edges; shared
 * by the one-shot audit and the event classifier.
 */
import { repoKey, splitRegistry, type Digest, type RepoRef } from '../image/ref.js';
import type { Edge } from '../plan/edge.js';
import { dstRepo, srcRepo } from '../plan/inventory.js';

/** One destination repository as the manifests want it. */
export interface DeclaredRepo {
  repo: RepoRef;
  /** Tag → the digest it must name. */
  tags: Map<string, Digest>;
  /** Every declared digest (tagged or not) → the source repository it is promoted from. */
  digests: Map<Digest, RepoRef>;
}

/** Every destination repository of the edges, keyed by `repoKey`. */
export type Declared = Map<string, DeclaredRepo>;

/** Groups the edges by destination repository. */
export function declaredRepos(edges: readonly Edge[]): Declared {
  const out: Declared = new Map();
  for (const e of edges) {
    const repo = dstRepo(e);
    const k = repoKey(repo);
    let r = out.get(k);
    if (!r) out.set(k, (r = { repo, tags: new Map(), digests: new Map() }));
    if (!r.digests.has(e.digest)) r.digests.set(e.digest, srcRepo(e));
    if (e.tag !== null) r.tags.set(e.tag, e.digest);
  }
  return out;
}

/**
 * The declared repository an event names: by `host/repository` first, then by repository path
 * alone when exactly one declared repository has that path (a registry behind a proxy or load
 * balancer reports its own host name, not the one in the manifests).
 */
export function findDeclared(declared: Declared, host: string | undefined, repository: string): DeclaredRepo | undefined {
  if (host) {
    const hit = declared.get(repoKey({ host: splitRegistry(host).host, repository }));
    if (hit) return hit;
  }
  let found: DeclaredRepo | undefined;
  for (const r of declared.values()) {
    if (r.repo.repository !== repository) continue;
    if (found) return host ? undefined : found; // ambiguous without a matching host: mirrors declare the same images
    found = r;
  }
  return found;
}

/**
 * Tags cosign and kpromo write beside an image: `sha256-<hex>` (referrers fallback index) and
 * `sha256-<hex>.sig` / `.att` / `.sbom` (cosign's tag schema). They are never declared.
 */
const ATTACHMENT_TAG = /^sha256-[0-9a-f]{64}(\.(sig|att|sbom))?$/;

/** Whether `tag` is a signature, attestation, SBOM or referrers-fallback tag. */
export function isAttachmentTag(tag: string): boolean {
  return ATTACHMENT_TAG.test(tag);
}
