/**
 * What the edges ask of each destination repository, and which listed tags the plan must verify
 * by HEAD. Pure: the inventory reads the registries, this decides what is worth a request.
 */
import type { Digest } from '../image/ref.js';
import type { Edge } from './edge.js';
import { cosignTag } from '../referrers/attachment.js';
import { COSIGN_SUFFIXES } from '../referrers/filter.js';
import { referrersTag } from '../registry/digest.js';

/** The digests and tags the edges name in one destination repository. */
export interface RepoWants {
  /** Tagged digests and the tags the edges give each. */
  readonly tagged: ReadonlyMap<Digest, ReadonlySet<string>>;
  /** Digests promoted without a tag. */
  readonly tagless: ReadonlySet<Digest>;
  /** Every named tag. */
  readonly tags: ReadonlySet<string>;
  /** Every named digest, tagged or not. */
  readonly digests: ReadonlySet<Digest>;
}

/**
 * The edges grouped by destination repository (`repoOf` gives its key). Repositories that want the
 * same digests and tags (an image's repository on every mirror) share one frozen RepoWants, so
 * the plan holds one per distinct image rather than one per image × mirror.
 */
export function wantedByRepo<R>(edges: readonly Edge[], repoOf: (e: Edge) => R): Map<R, RepoWants> {
  const byRepo = new Map<R, number[]>();
  for (let i = 0; i < edges.length; i++) {
    const r = repoOf(edges[i]!);
    const list = byRepo.get(r);
    if (list) list.push(i);
    else byRepo.set(r, [i]);
  }
  const shared = new Map<string, RepoWants>();
  const out = new Map<R, RepoWants>();
  for (const [r, list] of byRepo) {
    const mine = list.map((i) => edges[i]!);
    const key = mine.map((e) => `${e.digest} ${e.tag ?? ''}`).sort().join('\n');
    let w = shared.get(key);
    if (!w) shared.set(key, (w = wantsOf(mine)));
    out.set(r, w);
  }
  return out;
}

/** The wants of one repository's edges, frozen (shared between repositories). */
function wantsOf(edges: readonly Edge[]): RepoWants {
  const tagged = new Map<Digest, Set<string>>();
  const tagless = new Set<Digest>();
  const tags = new Set<string>();
  const digests = new Set<Digest>();
  for (const e of edges) {
    digests.add(e.digest);
    if (e.tag === null) {
      tagless.add(e.digest);
      continue;
    }
    let its = tagged.get(e.digest);
    if (!its) tagged.set(e.digest, (its = new Set()));
    its.add(e.tag);
    tags.add(e.tag);
  }
  return Object.freeze({ tagged, tagless, tags, digests });
}

/** What a repository's tag list (and the tagless HEADs) told about it. */
export interface ListedRepo {
  tags: ReadonlySet<string>;
  /** Digests of tags, where the list carried them. */
  tagDigests: ReadonlyMap<string, Digest>;
  /** Named digests known present (true) or absent (false). */
  manifests: ReadonlyMap<Digest, boolean>;
}

/**
 * The digests the run writes to this repository: one of its tags is not listed, or it is
 * promoted tagless and absent. (A listed tag whose list digest differs is a tag move, not a write.)
 */
export function writesTo(want: RepoWants, known: ListedRepo): Set<Digest> {
  const out = new Set<Digest>();
  for (const [d, tags] of want.tagged) if ([...tags].some((t) => !known.tags.has(t))) out.add(d);
  for (const d of want.tagless) if (known.manifests.get(d) === false) out.add(d);
  return out;
}

/**
 * The listed tags to HEAD. A listed tag whose digest the list gave needs none. One without:
 *  - with `verifyExisting`, always (then even tags whose digest the list gave: an independent check);
 *  - else only when the run writes its digest to some destination (`written`, from writesTo over
 *    every destination repository): the digest is new there, so one of its listed tags may point
 *    elsewhere — a tag the manifests moved to a new digest is then refused as a tag move instead
 *    of being taken for present.
 * Every other listed tag is taken as present ("tag listed" in the report) once something vouches
 * for its digest (see `unproven` and `probeTags`): kpromo writes a tag only after its content and
 * never moves one. What this leaves unseen without a HEAD: a tag moved out of band on a mirror
 * whose digest is signed. `--verify-existing`, a list with digests, or `kpromo audit` see those.
 */
export function needsTagHeads(want: RepoWants, known: ListedRepo, verifyExisting: boolean, written: ReadonlySet<Digest>): string[] {
  const out: string[] = [];
  for (const [d, tags] of want.tagged) {
    const listed = [...tags].filter((t) => known.tags.has(t));
    if (listed.length === 0) continue;
    if (verifyExisting) {
      out.push(...listed);
      continue;
    }
    if (written.has(d)) out.push(...listed.filter((t) => !known.tagDigests.has(t)));
  }
  return out;
}

/**
 * The tags cosign and kpromo attach to a digest in a repository: its signature, attestation and
 * SBOM images (`sha256-<hex>.sig|.att|.sbom`) and the referrers fallback index (`sha256-<hex>`).
 */
export function attachmentTags(d: Digest): string[] {
  return [...COSIGN_SUFFIXES.map((s) => cosignTag(d, s)), referrersTag(d)];
}

/**
 * The tagged digests nothing vouches for: no destination's list shows an attachment of them (a
 * signature, an attestation, the referrers fallback index) and no list gave their tags' digests.
 * A listed tag of such a digest may be one the manifests just moved to it (a retag to a new
 * digest whose tags every mirror already lists), so it is not taken as present unseen.
 */
export function unproven(repos: Iterable<[ListedRepo, RepoWants]>): Set<Digest> {
  const vouched = new Set<Digest>();
  const named = new Set<Digest>();
  for (const [known, want] of repos) {
    for (const [d, tags] of want.tagged) {
      named.add(d);
      if (attachmentTags(d).some((t) => known.tags.has(t)) || [...tags].some((t) => known.tagDigests.get(t) === d)) vouched.add(d);
    }
  }
  return new Set([...named].filter((d) => !vouched.has(d)));
}

/** A listed tag to HEAD and the digest the manifests give it. */
export interface TagProbe {
  tag: string;
  digest: Digest;
}

/**
 * One probe per listed tag of each unproven digest the run does not write (those are verified
 * everywhere anyway): in the first repository, in `repos` order, that lists it. A probe that
 * finds the tag on another digest escalates that digest to a full check (see `needsTagHeads`);
 * one that finds it on the wanted digest vouches for it on every mirror.
 */
export function probeTags<R extends ListedRepo>(repos: Iterable<[R, RepoWants]>, doubt: ReadonlySet<Digest>, written: ReadonlySet<Digest>): Map<R, TagProbe[]> {
  const out = new Map<R, TagProbe[]>();
  const probed = new Set<string>();
  for (const [known, want] of repos) {
    for (const [d, tags] of want.tagged) {
      if (!doubt.has(d) || written.has(d)) continue;
      for (const tag of tags) {
        const k = `${tag}@${d}`;
        if (probed.has(k) || !known.tags.has(tag) || known.tagDigests.has(tag)) continue;
        probed.add(k);
        let list = out.get(known);
        if (!list) out.set(known, (list = []));
        list.push({ tag, digest: d });
      }
    }
  }
  return out;
}
