/**
 * The copy engine: turns the plan's "promote" edges into the fewest registry requests. Images are
 * grouped by source digest so each source manifest and blob is read once for all destinations;
 * blobs go first (fanned out, mounted within a host), then child manifests, then tags: per image
 * and destination, as soon as that image's blobs are there, so early images are complete (and
 * verifiable) while later blobs still copy. Where tags must wait for signatures (`hold`), the
 * image goes by digest only and its tags are left to the publish phase. A failure at one destination only fails the edges
 * that needed it.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../errors.js';
import { repoKey, type RepoRef } from '../image/ref.js';
import type { Logger } from '../log.js';
import type { RetryRunner } from '../net/transport.js';
import { nullProgress, type ProgressSink } from '../progress.js';
import type { Plan } from '../plan/classify.js';
import { edgeKey, type Edge } from '../plan/edge.js';
import { dstRepo, sourceKey, srcRepo, type Inventory } from '../plan/inventory.js';
import type { FetchedManifest, RegistryClient } from '../registry/types.js';
import { blobFailureKey, copyBlobs, type BlobJob } from './blobs.js';
import { allBlobs, childManifests, readGraph, type ManifestNode } from './graph.js';
import { BlobKnowledge } from './knowledge.js';
import { pushManifests, type ChildPuts, type WriteSlot } from './manifests.js';
import { HostLimits } from '../plan/host-limits.js';

/**
 * The result of copying one edge: done, or the reason it failed. `held` when the image was
 * written by digest only and its tag waits (see CopyOptions.hold): the top manifest to tag later.
 * `confirmed` when the registry's answer to the manifest PUT proved it (201 with the digest sent).
 * When the run's signal was aborted, a failed edge says whether its copy had begun
 * (`interrupted`) or not (`not-attempted`).
 */
export type CopyOutcome =
  | { ok: true; held?: FetchedManifest; confirmed?: boolean }
  | { ok: false; error: string; stopped?: 'interrupted' | 'not-attempted' };

/** Options of copyPlan. */
export interface CopyOptions {
  /** Blob jobs in flight at once (each fans out to every destination). */
  blobConcurrency?: number;
  /** Source manifest reads in flight at once. */
  concurrency?: number;
  /** Manifest PUTs in flight at once per destination host (default DEFAULT_WRITES_PER_HOST). */
  writesPerHost?: number;
  signal?: AbortSignal;
  logger: Logger;
  /** Receives 'promote' progress: images (image × destination) and source bytes sent. */
  progress?: ProgressSink;
  /**
   * Destinations whose tags must wait (signed before visible): there the image goes by digest
   * only (blobs, child manifests, then the manifest by digest) and its edges come back `held`.
   */
  hold?: (repo: RepoRef, digest: string) => boolean;
  /** Retries transient failures of blob copies (the network's RetryRunner). */
  retry?: RetryRunner;
}

/** Default concurrency of source manifest reads (upstream copies 20 images at once). */
export const DEFAULT_COPY_CONCURRENCY = 20;

/**
 * Default manifest PUTs in flight per destination host: as many as the network layer's adaptive
 * cap starts with (src/net/policy.ts), so 20 mirrors take 320 writes at once, 16 each, instead of
 * sharing one global limit (about one write per mirror).
 */
export const DEFAULT_WRITES_PER_HOST = 16;

interface Target {
  repo: RepoRef;
  tagOnly: boolean;
  /** Tags wait for the signature: push by digest only. */
  held: boolean;
  /** A repository of the same host that may hold this image's blobs, to mount from (see blobs.ts). */
  hint?: string;
  edges: Edge[];
}

interface Image {
  src: RepoRef;
  digest: string;
  top?: FetchedManifest;
  graph?: ManifestNode;
  error?: string;
  targets: Map<string, Target>;
}

/** Copies every edge the plan marks "promote"; returns an outcome per edgeKey. Never throws for registry failures. */
export async function copyPlan(
  client: RegistryClient,
  plan: Plan,
  inv: Inventory,
  opts: CopyOptions,
): Promise<Map<string, CopyOutcome>> {
  const limit = pLimit(opts.concurrency ?? DEFAULT_COPY_CONCURRENCY);
  const writes = new HostLimits(opts.writesPerHost ?? DEFAULT_WRITES_PER_HOST);
  const images = groupImages(plan, inv, opts.hold);
  const known = new BlobKnowledge();

  // 1. Source manifests: the plan already read the top ones; read index children once each.
  const children = new Map<string, Promise<FetchedManifest>>();
  await Promise.all(
    [...images.values()].map((img) =>
      limit(async () => {
        try {
          img.top ??= await client.getManifest(img.src, img.digest, { signal: opts.signal, side: 'source' });
          const full = [...img.targets.values()].some((t) => !t.tagOnly);
          img.graph = full
            ? await readGraph(client, img.src, img.top, children, opts.signal)
            : { manifest: img.top, blobs: [], children: [] };
        } catch (err) {
          img.error = `reading source ${repoKey(img.src)}@${img.digest}: ${errorMessage(err)}`;
        }
      }),
    ),
  );

  // 2. What the plan says destinations hold: every blob of an image present in a repository.
  for (const img of images.values()) {
    if (!img.graph) continue;
    for (const [k, r] of inv.repos) {
      if (r.manifests.get(img.digest as never) !== true) continue;
      const [host, ...rest] = k.split('/');
      for (const b of allBlobs(img.graph)) known.add({ host: host!, repository: rest.join('/') }, b.digest);
    }
  }

  // 3. Blobs, each read once and sent to every destination lacking it.
  const jobs = new Map<string, BlobJob & { targets: RepoRef[]; hints: Map<string, string> }>();
  for (const img of images.values()) {
    if (!img.graph) continue;
    for (const t of img.targets.values()) {
      if (t.tagOnly) continue;
      for (const b of allBlobs(img.graph)) {
        let j = jobs.get(b.digest);
        if (!j) jobs.set(b.digest, (j = { blob: b, source: img.src, targets: [], hints: new Map() }));
        if (!j.targets.some((r) => repoKey(r) === repoKey(t.repo))) j.targets.push(t.repo);
        if (t.hint !== undefined) j.hints.set(repoKey(t.repo), t.hint);
      }
    }
  }
  opts.logger.debug('copying blobs', { blobs: jobs.size });
  const progress = opts.progress ?? nullProgress;
  const pairs = [...images.values()].reduce((n, img) => n + img.targets.size, 0);
  const bytes = [...jobs.values()].reduce((n, j) => n + Math.max(0, j.blob.size), 0);
  progress.phase('promote', { images: pairs, bytes });

  // 4. Manifests, per image and destination, pushed as soon as that image's last blob has
  //    settled there (not after every blob of the run), and only if all of them arrived.
  const out = new Map<string, CopyOutcome>();
  // (image, destination) pairs whose writes began before any interruption
  const begun = new Set<Target>();
  const begin = (t: Target): void => void (opts.signal?.aborted || begun.add(t));
  const shared: ChildPuts = new Map();
  const pushes: Promise<void>[] = [];
  const waiting = new Map<string, Waiter[]>();
  for (const img of images.values()) {
    for (const t of img.targets.values()) {
      const failEdges = (error: string): void => t.edges.forEach((e) => out.set(edgeKey(e), { ok: false, error }));
      if (img.error || !img.graph || !img.top) {
        progress.advance({ images: 1 });
        failEdges(img.error ?? 'source manifest not read');
        continue;
      }
      const top = img.top;
      const graph = img.graph;
      const push = (): void => {
        if (t.held && t.tagOnly) {
          // Already there by digest: nothing to write until the tags may be.
          t.edges.forEach((e) => out.set(edgeKey(e), { ok: true, held: top }));
          progress.advance({ images: 1 });
          return;
        }
        // each PUT waits for a write slot at its host, and the (image, destination) has begun with its first
        const slot: WriteSlot = (fn) => writes.run(t.repo.host, () => (begin(t), fn()));
        pushes.push(
          (async () => {
            const tags = t.held ? [] : t.edges.flatMap((e) => (e.tag === null ? [] : [e.tag as string]));
            const unconfirmed = new Set<string>();
            const byDigest = t.held || t.edges.some((e) => e.tag === null);
            const failed = await pushManifests(
              client,
              { repo: t.repo, top, children: t.tagOnly ? [] : childManifests(graph), tags, byDigest, unconfirmed },
              shared,
              known,
              opts.signal,
              slot,
            );
            // a tagless edge rides on the first tag's PUT when there are tags (it stores the digest too)
            const proofOf = (e: Edge): string => (e.tag ?? (tags.length > 0 ? tags[0]! : ''));
            for (const e of t.edges) {
              const err = failed.get(t.held ? '' : (e.tag ?? ''));
              out.set(
                edgeKey(e),
                err !== undefined ? { ok: false, error: err } : t.held ? { ok: true, held: top } : { ok: true, confirmed: !unconfirmed.has(proofOf(e)) },
              );
            }
            progress.advance({ images: 1 });
          })(),
        );
      };
      const blobs = t.tagOnly ? [] : allBlobs(graph);
      if (blobs.length === 0) {
        push();
        continue;
      }
      const w: Waiter = {
        target: t,
        remaining: blobs.length,
        done: () => {
          if (w.error === undefined) return push();
          progress.advance({ images: 1 });
          failEdges(w.error);
        },
      };
      for (const b of blobs) {
        const k = blobFailureKey(t.repo, b.digest);
        waiting.set(k, [...(waiting.get(k) ?? []), w]);
      }
    }
  }
  await copyBlobs(client, [...jobs.values()], known, {
    concurrency: opts.blobConcurrency,
    signal: opts.signal,
    logger: opts.logger,
    retry: opts.retry,
    onStart: (j) => {
      for (const repo of j.targets) for (const w of waiting.get(blobFailureKey(repo, j.blob.digest)) ?? []) begin(w.target);
    },
    onDone: (j) => progress.advance({ bytes: Math.max(0, j.blob.size) }),
    onSettled: (j, repo, error) => {
      for (const w of waiting.get(blobFailureKey(repo, j.blob.digest)) ?? []) {
        if (error !== undefined) w.error ??= error;
        if (--w.remaining === 0) w.done();
      }
    },
  });
  // every blob has settled at every target, so every waiter has fired and added its push
  await Promise.all(pushes);
  if (opts.signal?.aborted) markStopped(images, out, begun);
  return out;
}

/** After an interruption: each edge that did not complete was interrupted (its writes began) or not attempted. */
function markStopped(images: ReadonlyMap<string, Image>, out: Map<string, CopyOutcome>, begun: ReadonlySet<Target>): void {
  for (const img of images.values()) {
    for (const t of img.targets.values()) {
      for (const e of t.edges) {
        const c = out.get(edgeKey(e)) ?? { ok: false, error: 'not copied' };
        if (c.ok) continue;
        out.set(edgeKey(e), begun.has(t) ? { ...c, stopped: 'interrupted' } : { ok: false, error: 'interrupted before its copy began', stopped: 'not-attempted' });
      }
    }
  }
}

/** An (image, destination) waiting for its blobs: how many have not settled, the first failure. */
interface Waiter {
  target: Target;
  remaining: number;
  error?: string;
  done(): void;
}

/** Groups the plan's promote edges by source image, then by destination repository. */
function groupImages(plan: Plan, inv: Inventory, hold?: CopyOptions['hold']): Map<string, Image> {
  const images = new Map<string, Image>();
  for (const { edge, decision } of plan.edges) {
    if (decision.kind !== 'promote') continue;
    const src = srcRepo(edge);
    const k = sourceKey(src, edge.digest);
    let img = images.get(k);
    if (!img) {
      const top = inv.sourceManifests.get(k);
      images.set(k, (img = { src, digest: edge.digest, targets: new Map(), ...(top ? { top } : {}) }));
    }
    const dst = dstRepo(edge);
    let t = img.targets.get(repoKey(dst));
    if (!t) {
      const hint = mountHint(dst, inv);
      const held = hold?.(dst, edge.digest) ?? false;
      img.targets.set(repoKey(dst), (t = { repo: dst, tagOnly: decision.tagOnly, held, edges: [], ...(hint !== undefined ? { hint } : {}) }));
    }
    t.edges.push(edge);
  }
  return images;
}

/**
 * The repository to try mounting `dst`'s blobs from when no repository is known to hold them:
 * `dst` itself when the plan found tags there (older versions share layers); else a repository
 * of the same host and image name with tags (another path of the same mirror, e.g. `images/x`
 * for `images/kubernetes/x`); else `dst` itself when it was read by HEADs only (contents unknown).
 */
export function mountHint(dst: RepoRef, inv: Inventory): string | undefined {
  const state = inv.repos.get(repoKey(dst));
  if (!state) return undefined;
  if (state.tags.size > 0) return dst.repository;
  const name = dst.repository.split('/').pop();
  const prefix = `${dst.host}/`;
  for (const [k, r] of inv.repos) {
    if (!k.startsWith(prefix) || r.tags.size === 0) continue;
    const repository = k.slice(prefix.length);
    if (repository !== dst.repository && repository.split('/').pop() === name) return repository;
  }
  return state.listed ? undefined : dst.repository;
}
