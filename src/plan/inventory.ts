/**
 * The inventory: what the plan needs to know about the repositories the edges touch, read with
 * as few requests as possible. Destinations, per repository, the cheaper of two reads: a HEAD per
 * tag the edges name (a 404 is an absent tag; costs T) when it names at most HEAD_ONLY_MAX_TAGS,
 * else one tag list and a HEAD per listed one (costs 1 + present). Either way tag moves are
 * detected exactly (the HEAD gives the tag's digest). A HEAD by digest only when the tags did
 * not already answer; a tagged edge into a repository with no known tags skips it: it is copied
 * in full (idempotent; the copy probes blobs by mounting, so present ones cost one request).
 * Sources: one GET per digest still to promote (its bytes are reused by the copy, so the
 * source manifest is read once for the whole run; a 404 means "lost").
 */
import pLimit from 'p-limit';
import { errorMessage } from '../errors.js';
import { repoKey, repoOf, type Digest, type RepoRef } from '../image/ref.js';
import type { Logger } from '../log.js';
import { RegistryError } from '../registry/errors.js';
import type { FetchedManifest, ManifestInfo, RegistryClient } from '../registry/types.js';
import type { Edge } from './edge.js';

/** What the plan learnt about one repository. */
export interface RepoState {
  /** Tags known present: the whole tags/list when `listed`, else the named tags a HEAD found. */
  tags: ReadonlySet<string>;
  /** Whether `tags` is the repository's complete tag list (absent or false: read by HEADs only). */
  listed?: boolean;
  /** Digests of the tags the edges name, resolved by HEAD. */
  tagDigests: ReadonlyMap<string, Digest>;
  /** Whether a manifest digest is present (asked only when the tags did not say). */
  manifests: ReadonlyMap<Digest, boolean>;
  /** What the HEADs answered for each present digest (media type and size): no GET needed to tell an index. */
  infos?: ReadonlyMap<Digest, ManifestInfo>;
  /** The repository could not be read; edges touching it fail with this message. */
  error?: string;
}

/** Everything the plan read, keyed by `repoKey`. */
export interface Inventory {
  repos: ReadonlyMap<string, RepoState>;
  /** Source manifests read by the plan, keyed by `sourceKey`, reused by the copy. */
  sourceManifests: ReadonlyMap<string, FetchedManifest>;
}

/** Key of a source manifest in `Inventory.sourceManifests`. */
export const sourceKey = (repo: RepoRef, d: Digest | string): string => `${repoKey(repo)}@${d}`;

/** The source and destination repositories of an edge. */
export const srcRepo = (e: Edge): RepoRef => repoOf(e.srcRegistry, e.srcImage);
export const dstRepo = (e: Edge): RepoRef => repoOf(e.dstRegistry, e.dstImage);

/** Options of readInventory. */
export interface InventoryOptions {
  /** Requests in flight at once (upstream reads 20 repositories at a time). */
  concurrency?: number;
  signal?: AbortSignal;
  logger: Logger;
}

/**
 * Repositories naming at most this many tags are read by HEADs alone. HEAD-only costs T, the list
 * 1 + (present tags): equal on a rerun at T - 1 present, so HEADs win every rerun (the common
 * case) and lose at most T - 1 = 1 per repository on a cold run.
 */
export const HEAD_ONLY_MAX_TAGS = 2;

/** Default read concurrency (upstream ReadRegistries uses 20). */
export const DEFAULT_READ_CONCURRENCY = 20;

interface MutableRepo {
  ref: RepoRef;
  tags: Set<string>;
  listed: boolean;
  tagDigests: Map<string, Digest>;
  manifests: Map<Digest, boolean>;
  infos: Map<Digest, ManifestInfo>;
  error?: string;
}

/** Whether a registry error means "no such manifest or repository". */
export function isNotFound(err: unknown): boolean {
  if (!(err instanceof RegistryError)) return (err as { status?: unknown })?.status === 404;
  return err.status === 404 || err.codes.some((c) => c === 'MANIFEST_UNKNOWN' || c === 'NAME_UNKNOWN');
}

/** Reads what the edges need from the registries. Read failures are recorded per repository, not thrown. */
export async function readInventory(
  client: RegistryClient,
  edges: readonly Edge[],
  opts: InventoryOptions,
): Promise<Inventory> {
  const limit = pLimit(opts.concurrency ?? DEFAULT_READ_CONCURRENCY);
  const call = { signal: opts.signal };
  const repos = new Map<string, MutableRepo>();
  const repo = (ref: RepoRef): MutableRepo => {
    const k = repoKey(ref);
    let r = repos.get(k);
    if (!r) repos.set(k, (r = { ref, tags: new Set(), listed: false, tagDigests: new Map(), manifests: new Map(), infos: new Map() }));
    return r;
  };
  const fail = (r: MutableRepo, what: string, err: unknown): void => {
    // one error per repository, shared by all its edges: it names the repository and its first failed request
    r.error ??= `${repoKey(r.ref)} unreadable (${what}): ${errorMessage(err)}`;
    opts.logger.debug(`cannot read ${repoKey(r.ref)}`, { error: errorMessage(err) });
  };

  // 1. The tags each destination repository must resolve; a tag list only where it is cheaper.
  const named = new Map<MutableRepo, Set<string>>();
  for (const e of edges) {
    const r = repo(dstRepo(e));
    if (!named.has(r)) named.set(r, new Set());
    if (e.tag !== null) named.get(r)!.add(e.tag);
  }
  // 2. Per repository at once: list first when listing, then HEAD the named tags (those listed).
  const resolve = async (r: MutableRepo, tag: string): Promise<void> => {
    try {
      const info = await client.headManifest(r.ref, tag, { ...call, side: 'destination' });
      if (info) {
        r.tags.add(tag);
        r.tagDigests.set(tag, info.digest);
        r.manifests.set(info.digest, true);
        r.infos.set(info.digest, info);
      }
    } catch (err) {
      fail(r, 'resolving tags', err); // the repository's error, shared by all its edges: no one tag named
    }
  };
  await Promise.all(
    [...named].map(async ([r, tags]) => {
      if (tags.size > HEAD_ONLY_MAX_TAGS) {
        try {
          const listed = await limit(() => client.listTags(r.ref, { ...call, side: 'destination' }));
          for (const t of listed) r.tags.add(t);
          r.listed = true;
        } catch (err) {
          return fail(r, 'listing tags', err);
        }
      }
      const reads = [...tags].filter((t) => !r.listed || r.tags.has(t));
      await Promise.all(reads.map((t) => limit(() => resolve(r, t))));
    }),
  );

  // 3. For edges not settled by the tags: is the digest already at the destination?
  const unsettled = edges.filter((e) => {
    const d = repo(dstRepo(e));
    return !d.error && (e.tag === null || !d.tagDigests.has(e.tag)); // a resolved tag is promoted or a tag move
  });
  const dstHeads = new Map<string, { r: MutableRepo; d: Digest }>();
  for (const e of unsettled) {
    const d = repo(dstRepo(e));
    // A repository without known tags is new (or holds only tagless images): a tagged edge there
    // is copied in full without asking; only tagless edges need the HEAD to be found present.
    if (e.tag !== null && d.tags.size === 0) continue;
    if (!d.manifests.has(e.digest)) dstHeads.set(`${repoKey(d.ref)}@${e.digest}`, { r: d, d: e.digest });
  }
  await Promise.all(
    [...dstHeads.values()].map(({ r, d }) =>
      limit(async () => {
        try {
          const info = await client.headManifest(r.ref, d, { ...call, side: 'destination' });
          r.manifests.set(d, info !== undefined);
          if (info) r.infos.set(d, info);
        } catch (err) {
          fail(r, 'checking digests', err);
        }
      }),
    ),
  );

  // 4. The source, only for edges still to promote: one GET per digest, kept for the copy.
  const srcGets = new Map<string, { r: MutableRepo; d: Digest }>();
  for (const e of unsettled) {
    const d = repo(dstRepo(e));
    if (d.error || (e.tag === null && d.manifests.get(e.digest) === true)) continue;
    const s = repo(srcRepo(e));
    srcGets.set(sourceKey(s.ref, e.digest), { r: s, d: e.digest });
  }
  const sourceManifests = new Map<string, FetchedManifest>();
  await Promise.all(
    [...srcGets.entries()].map(([k, { r, d }]) =>
      limit(async () => {
        try {
          const m = await client.getManifest(r.ref, d, { ...call, side: 'source' });
          sourceManifests.set(k, m);
          r.manifests.set(d, true);
        } catch (err) {
          if (isNotFound(err)) r.manifests.set(d, false);
          else fail(r, `reading ${d}`, err);
        }
      }),
    ),
  );
  opts.signal?.throwIfAborted();
  return { repos: new Map([...repos].map(([k, r]) => [k, freeze(r)])), sourceManifests };
}

const freeze = (r: MutableRepo): RepoState => ({
  tags: r.tags,
  listed: r.listed,
  tagDigests: r.tagDigests,
  manifests: r.manifests,
  infos: r.infos,
  ...(r.error ? { error: r.error } : {}),
});
