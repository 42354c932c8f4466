/**
 * The inventory: what the plan needs to know about the repositories the edges touch, read with
 * as few requests as possible (performance.md §4, "steady-state plan").
 *
 * Destinations: one tag list per repository (every page). When the list carries digests
 * (Google's `manifest` map) it decides every tag and every named digest by itself. Otherwise a
 * listed tag is taken as present (kpromo writes a tag only after everything under it, and never
 * moves one), and a HEAD verifies only what the run must decide (see `needsTagHeads`):
 *  - every listed tag of a digest the run writes to any destination (one of its tags is not
 *    listed there, or it is tagless and absent): a manifest-side tag move then shows as a tag move;
 *  - one HEAD per listed tag of a digest nothing vouches for (no signature, attestation or
 *    referrers index of it is listed at any destination: see `unproven`), on the first mirror
 *    listing it; if that tag points elsewhere, the digest's tags are checked on every mirror;
 *  - every listed tag when `verifyExisting` (the `--verify-existing` flag, or a run scoped to a
 *    git diff, whose edges are all changed digests).
 * A tagless digest is HEADed by digest (a list without digests says nothing of untagged manifests)
 * unless the same repository's list names an attachment of it (its `.sig`/`.att`/`.sbom` or
 * referrers fallback tag: kpromo writes those only where the digest is, so with `replicate`
 * signature placement every mirror answers its tagless digests by its list); so is a digest to
 * write whose tags are new, in a repository with tags (to add only the tag if present).
 * Sources: one GET per digest still to promote (its bytes are reused by the copy, so the source
 * manifest is read once for the whole run; a 404 means "lost").
 *
 * Requests go through a per-host budget (`perHost`), so every mirror is read at once.
 */
import { errorMessage } from '../errors.js';
import { repoKey, repoOf, type Digest, type RepoRef } from '../image/ref.js';
import type { Logger } from '../log.js';
import { RegistryError } from '../registry/errors.js';
import type { FetchedManifest, ManifestInfo, RegistryClient, TagList } from '../registry/types.js';
import { nullProgress, type ProgressSink } from '../progress.js';
import { readTagList } from '../registry/tag-list.js';
import type { Edge } from './edge.js';
import { eachByHost, HostLimits } from './host-limits.js';
import { attachmentTags, needsTagHeads, probeTags, unproven, wantedByRepo, writesTo, type RepoWants } from './wants.js';

/** What the plan learnt about one repository. */
export interface RepoState {
  /** The repository. */
  ref: RepoRef;
  /** Tags known present: the whole tags/list when `listed`, else the named tags a HEAD found. */
  tags: ReadonlySet<string>;
  /** Whether `tags` is the repository's complete tag list. */
  listed?: boolean;
  /** Digests of named tags: from the list when it carried them, else from a HEAD. */
  tagDigests: ReadonlyMap<string, Digest>;
  /** Tags and digests a HEAD read (the others in `tagDigests` and `manifests` came from the list). */
  verified?: ReadonlySet<string>;
  /** Whether a named manifest digest is present (only those the plan needed). */
  manifests: ReadonlyMap<Digest, boolean>;
  /** What the HEADs answered for each present digest (media type and size): no GET needed to tell an index. */
  infos?: ReadonlyMap<Digest, ManifestInfo>;
  /** Tagless digests taken as present because this repository's list names an attachment of them. */
  attached?: ReadonlySet<Digest>;
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
  /** Plan requests in flight at once per registry host (default DEFAULT_REQUESTS_PER_HOST). */
  perHost?: number;
  /** HEAD every listed tag the edges name, even where the list carries digests. */
  verifyExisting?: boolean;
  /**
   * Progress of the current phase: one unit per destination repository listed, then one per HEAD
   * the lists left to do (added to the total as they are known).
   */
  progress?: ProgressSink;
  signal?: AbortSignal;
  logger: Logger;
}

/**
 * Default plan requests in flight per host: the network layer's adaptive cap starts at 16 too
 * (src/net/policy.ts), so with 20 mirrors 320 reads are in flight, 16 on each.
 */
export const DEFAULT_REQUESTS_PER_HOST = 16;

/**
 * What the plan is learning about one repository. Collections start as shared empty ones and are
 * created on the first write: 27,000 repositories mostly answered by their tag list alone would
 * otherwise hold 135,000 empty maps and sets.
 */
interface MutableRepo {
  ref: RepoRef;
  tags: ReadonlySet<string>;
  listed: boolean;
  tagDigests: ReadonlyMap<string, Digest>;
  verified: ReadonlySet<string>;
  manifests: ReadonlyMap<Digest, boolean>;
  infos: ReadonlyMap<Digest, ManifestInfo>;
  attached: ReadonlySet<Digest>;
  error?: string;
}

const NO_STRINGS: ReadonlySet<string> = new Set();
const NO_DIGESTS: ReadonlyMap<string, Digest> = new Map();
const NO_MANIFESTS: ReadonlyMap<Digest, boolean> = new Map();
const NO_INFOS: ReadonlyMap<Digest, ManifestInfo> = new Map();
const NO_ATTACHED: ReadonlySet<Digest> = new Set();

/** The repository's own (writable) copy of a collection that may still be the shared empty one. */
const own = <C extends Set<unknown> | Map<unknown, unknown>>(c: unknown, none: unknown, make: () => C): C => (c === none ? make() : (c as C));

function addTag(r: MutableRepo, tag: string): void {
  (r.tags = own(r.tags, NO_STRINGS, () => new Set<string>())).add(tag);
}
function setTagDigest(r: MutableRepo, tag: string, d: Digest): void {
  (r.tagDigests = own(r.tagDigests, NO_DIGESTS, () => new Map<string, Digest>())).set(tag, d);
}
function markVerified(r: MutableRepo, ref: string): void {
  (r.verified = own(r.verified, NO_STRINGS, () => new Set<string>())).add(ref);
}
function setManifest(r: MutableRepo, d: Digest, present: boolean): void {
  (r.manifests = own(r.manifests, NO_MANIFESTS, () => new Map<Digest, boolean>())).set(d, present);
}
function setInfo(r: MutableRepo, d: Digest, info: ManifestInfo): void {
  (r.infos = own(r.infos, NO_INFOS, () => new Map<Digest, ManifestInfo>())).set(d, info);
}
function markAttached(r: MutableRepo, d: Digest): void {
  setManifest(r, d, true);
  (r.attached = own(r.attached, NO_ATTACHED, () => new Set<Digest>())).add(d);
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
  const perHost = opts.perHost ?? DEFAULT_REQUESTS_PER_HOST;
  const limits = new HostLimits(perHost);
  const call = { signal: opts.signal, side: 'destination' as const };
  const repos = new Map<string, MutableRepo>();
  const repo = (ref: RepoRef): MutableRepo => {
    const k = repoKey(ref);
    let r = repos.get(k);
    if (!r) repos.set(k, (r = { ref, tags: NO_STRINGS, listed: false, tagDigests: NO_DIGESTS, verified: NO_STRINGS, manifests: NO_MANIFESTS, infos: NO_INFOS, attached: NO_ATTACHED }));
    return r;
  };
  const fail = (r: MutableRepo, what: string, err: unknown): void => {
    // one error per repository, shared by all its edges: it names the repository and its first failed request
    r.error ??= `${repoKey(r.ref)} unreadable (${what}): ${errorMessage(err)}`;
    opts.logger.debug(`cannot read ${repoKey(r.ref)}`, { error: errorMessage(err) });
  };
  const on = <T>(r: MutableRepo, fn: () => Promise<T>): Promise<T> => limits.run(r.ref.host, fn);
  const progress = opts.progress ?? nullProgress;

  const headTag = async (r: MutableRepo, tag: string): Promise<void> => {
    try {
      const info = await on(r, () => client.headManifest(r.ref, tag, call));
      if (info) {
        addTag(r, tag);
        setTagDigest(r, tag, info.digest);
        markVerified(r, tag);
        markVerified(r, info.digest);
        setManifest(r, info.digest, true);
        setInfo(r, info.digest, info);
      } else if (r.tags.has(tag)) {
        (r.tags as Set<string>).delete(tag); // deleted since the list was read
      }
    } catch (err) {
      fail(r, 'resolving tags', err); // the repository's error, shared by all its edges: no one tag named
    }
  };
  const headDigest = async (r: MutableRepo, d: Digest): Promise<void> => {
    try {
      const info = await on(r, () => client.headManifest(r.ref, d, call));
      setManifest(r, d, info !== undefined);
      if (info) {
        markVerified(r, d);
        setInfo(r, d, info);
      }
    } catch (err) {
      fail(r, `checking ${d}`, err);
    }
  };

  // Sources, only for edges still to promote: one GET per digest, kept for the copy. A tag missing
  // from a destination's list is to promote whatever else the plan finds, so its source is read as
  // soon as that list is back, overlapping the remaining lists and HEADs; a run with nothing to
  // copy reads no source.
  const sourceManifests = new Map<string, FetchedManifest>();
  const sourceReads = new Map<string, Promise<void>>();
  const readSource = (e: Edge): void => {
    const r = repo(srcRepo(e));
    const k = sourceKey(r.ref, e.digest);
    if (sourceReads.has(k)) return;
    sourceReads.set(
      k,
      (async () => {
        try {
          const m = await on(r, () => client.getManifest(r.ref, e.digest, { signal: opts.signal, side: 'source' }));
          sourceManifests.set(k, m);
          setManifest(r, e.digest, true);
        } catch (err) {
          if (isNotFound(err)) setManifest(r, e.digest, false);
          else fail(r, `reading ${e.digest}`, err);
        }
      })(),
    );
  };
  const edgesTo = new Map<MutableRepo, Edge[]>();
  for (const e of edges) {
    const d = repo(dstRepo(e));
    const list = edgesTo.get(d);
    if (list) list.push(e);
    else edgesTo.set(d, [e]);
  }
  // Destinations: every repository's list (and its tagless digests, which a list without digests
  // cannot answer) first, since a digest written to one destination has its tags verified on all.
  const wants = wantedByRepo(edges, (e) => repo(dstRepo(e)));
  const hostOf = ([r]: readonly [MutableRepo, RepoWants]): string => r.ref.host;
  await eachByHost(wants, hostOf, perHost, async ([r, want]) => {
    try {
      keepList(r, want, await on(r, () => readTagList(client, r.ref, call)));
      for (const e of edgesTo.get(r) ?? []) if (e.tag !== null && !r.tags.has(e.tag)) readSource(e);
    } catch (err) {
      return fail(r, 'listing tags', err);
    } finally {
      progress.advance({ images: 1 });
    }
    const heads: Digest[] = [];
    for (const d of want.tagless) {
      if (r.manifests.has(d)) continue;
      if (opts.verifyExisting !== true && attachedHere(r, d)) markAttached(r, d);
      else heads.push(d);
    }
    await Promise.all(heads.map((d) => headDigest(r, d)));
  });
  const written = new Set<Digest>();
  for (const [r, want] of wants) if (!r.error) for (const d of writesTo(want, r)) written.add(d);
  const readable = [...wants].filter(([r]) => !r.error);
  // A digest nothing vouches for (no signature or attestation listed): one HEAD per listed tag.
  const probes = probeTags(readable, unproven(readable), written);
  // Then only the HEADs the lists cannot answer, each repository on its own.
  const headAll = async (r: MutableRepo, tags: string[]): Promise<void> => {
    progress.grow({ images: tags.length });
    await Promise.all(tags.map((t) => headTag(r, t).finally(() => progress.advance({ images: 1 }))));
  };
  await eachByHost(readable, hostOf, perHost, async ([r, want]) => {
    await headAll(r, [...needsTagHeads(want, r, opts.verifyExisting === true, written), ...(probes.get(r) ?? []).map((p) => p.tag)]);
    // A digest to write under new tags only: present already (then only the tags are put)?
    if (r.tags.size > 0) {
      const asks = [...want.tagged].filter(([d, tags]) => !r.manifests.has(d) && [...tags].some((t) => !r.tags.has(t)));
      await Promise.all(asks.map(([d]) => headDigest(r, d)));
    }
  });
  // A probe that found its tag elsewhere (or gone): that digest's listed tags are checked on every mirror.
  const moved = new Set<Digest>();
  for (const [r, list] of probes) for (const p of list) if (!r.error && r.tagDigests.get(p.tag) !== p.digest) moved.add(p.digest);
  if (moved.size > 0) {
    await eachByHost(readable, hostOf, perHost, async ([r, want]) => (r.error ? undefined : headAll(r, needsTagHeads(want, r, false, moved))));
  }

  // The rest of the sources (tagless digests, tags the HEADs found gone), then every read done.
  for (const e of edges) {
    const d = repo(dstRepo(e));
    if (d.error) continue;
    if (e.tag !== null ? d.tags.has(e.tag) : d.manifests.get(e.digest) === true) continue; // present or a tag move
    readSource(e);
  }
  await Promise.all(sourceReads.values());
  opts.signal?.throwIfAborted();
  return { repos: new Map([...repos].map(([k, r]) => [k, freeze(r)])), sourceManifests };
}


/** Whether the repository's list names an attachment of `d` (written only where `d` is). */
const attachedHere = (r: MutableRepo, d: Digest): boolean => attachmentTags(d).some((t) => r.tags.has(t));

/** Keeps of a tag list only what the edges name (the rest of a big repository is dropped). */
function keepList(r: MutableRepo, want: RepoWants, list: TagList): void {
  r.tags = r.tags.size === 0 ? new Set(list.tags) : new Set([...r.tags, ...list.tags]);
  r.listed = true;
  if (list.tagDigests) {
    for (const t of want.tags) {
      const d = list.tagDigests.get(t);
      if (d !== undefined) setTagDigest(r, t, d);
    }
  }
  if (list.manifests) {
    for (const d of want.digests) setManifest(r, d, list.manifests.has(d));
  }
}

const freeze = (r: MutableRepo): RepoState => ({
  ref: r.ref,
  tags: r.tags,
  listed: r.listed,
  tagDigests: r.tagDigests,
  verified: r.verified,
  manifests: r.manifests,
  infos: r.infos,
  attached: r.attached,
  ...(r.error ? { error: r.error } : {}),
});
