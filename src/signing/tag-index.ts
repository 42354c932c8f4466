/**
 * What the trust phases know, per run, about which tags exist: each repository's tags are listed
 * once (one request, shared by provenance, validate, sign and attest), so reads of cosign's
 * `sha256-<hex>.sig` / `.att` tags and of the referrers fallback tag `sha256-<hex>` are skipped
 * when the tag is not there — the common case of staging images with no signatures.
 *
 * Why one listing per run is enough: the trust phases check what a repository holds when the run
 * looks, exactly as the plan reads staging content once (all of them run before or right after
 * promotion, within one run). Between the listing and a later lookup the only trust tags written
 * are this run's own, which `add` records; a tag someone else adds after the listing is missed
 * just as it would be if added right after a direct read. Destination repositories the plan
 * listed are seeded with that list (free here; others are listed when first asked), on the
 * plan's own assumption that a run is the only writer of what it promotes. Referrer lists are
 * kept too (until this run attaches one). The index only ever skips lookups: the base of
 * a read-modify-write (a `.sig` appended to, a fallback index added to) is always read for real,
 * so a stale "absent" can cost a duplicate signature at worst, never someone else's entries.
 */
import { repoKey, type Digest, type RepoRef } from '../image/ref.js';
import type { CallOptions, Descriptor, RegistryClient } from '../registry/types.js';
import { referrersTag } from '../registry/digest.js';

/** A per-run cache of tag lists; a repository whose listing failed is "unknown" (every tag may exist). */
export class TagIndex {
  private readonly listed = new Map<string, Promise<ReadonlySet<string> | undefined>>();
  private readonly added = new Map<string, Set<string>>();
  private readonly probes = new Map<string, Promise<unknown>>();
  /** Referrer lists read, by repository and digest (until a referrer is added). */
  private readonly referrerLists = new Map<string, Promise<Descriptor[]>>();
  /** Tag listings this index asked the registry for (tests, logs). */
  listings = 0;

  /** `client` answers every read this index makes. */
  constructor(readonly client: RegistryClient) {}

  /** Uses `tags` (a complete listing made elsewhere, e.g. by the plan) for `repo`, unless already known. */
  seed(repo: RepoRef, tags: Iterable<string>): void {
    const k = repoKey(repo);
    if (!this.listed.has(k)) this.listed.set(k, Promise.resolve(new Set(tags)));
  }

  /** False only when `repo`'s listing proves `tag` absent (and this run did not write it). */
  async mayExist(repo: RepoRef, tag: string, opts?: CallOptions): Promise<boolean> {
    return (await this.has(repo, tag, opts)) !== false;
  }

  /** Whether `tag` is in `repo` by its listing or this run's writes; undefined when the listing failed. */
  async has(repo: RepoRef, tag: string, opts?: CallOptions): Promise<boolean | undefined> {
    const k = repoKey(repo);
    if (this.added.get(k)?.has(tag)) return true;
    let tags = this.listed.get(k);
    if (!tags) {
      this.listings++;
      // One attempt per run: a failed listing makes the repository unknown, and the callers'
      // direct reads then surface the error (or succeed) as they did without the index.
      tags = this.client.listTags(repo, opts).then((t) => new Set(t), () => undefined);
      this.listed.set(k, tags);
    }
    const known = await tags;
    if (this.added.get(k)?.has(tag)) return true;
    return known === undefined ? undefined : known.has(tag);
  }

  /** Records a tag this run wrote in `repo`. */
  add(repo: RepoRef, tag: string): void {
    const k = repoKey(repo);
    let s = this.added.get(k);
    if (!s) this.added.set(k, (s = new Set()));
    s.add(tag);
  }

  /** Records that this run attached a referrer to `digest` in `repo`: its list is read again. */
  referrerAdded(repo: RepoRef, digest: Digest): void {
    const prefix = `${repoKey(repo)}@${digest} `;
    for (const k of [...this.referrerLists.keys()]) if (k.startsWith(prefix)) this.referrerLists.delete(k);
  }

  /**
   * The referrers of `digest` in `repo`, read once per run and shared by every phase that needs
   * them (provenance, validate, referrers, sign, attest): the whole list is read and an
   * `artifactType` filter applied here. On a host known to lack the referrers API they are the
   * fallback tag's index, so nothing is read when that tag does not exist; on hosts with the API
   * (or not yet known) the registry is asked, and a host found without it reads the fallback tag
   * only when the repository's listing may hold it. The first call per host of unknown support
   * goes alone, so concurrent callers learn the answer from it instead of each probing.
   */
  async listReferrers(repo: RepoRef, digest: Digest, opts: CallOptions & { artifactType?: string } = {}): Promise<Descriptor[]> {
    const { artifactType, ...callOpts } = opts;
    const k = `${repoKey(repo)}@${digest} `;
    let list = this.referrerLists.get(k);
    if (!list) {
      list = this.readReferrers(repo, digest, callOpts);
      this.referrerLists.set(k, list);
      // a failed read is not remembered: the next caller asks again
      list.catch(() => this.referrerLists.get(k) === list && this.referrerLists.delete(k));
    }
    const all = await list;
    return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
  }

  private async readReferrers(repo: RepoRef, digest: Digest, opts: CallOptions): Promise<Descriptor[]> {
    // without the API, the fallback tag is read only when the repository's listing may hold it
    const call = { ...opts, fallbackMayExist: (tag: string) => this.mayExist(repo, tag, opts) };
    const support = this.client.referrersSupport?.bind(this.client);
    if (support && support(repo.host) === undefined) {
      const probe = this.probes.get(repo.host);
      if (!probe) {
        const first = this.client.listReferrers(repo, digest, call);
        this.probes.set(repo.host, first);
        return first;
      }
      await probe.catch(() => undefined);
    }
    if (support?.(repo.host) === false && !(await this.mayExist(repo, referrersTag(digest), opts))) return [];
    return this.client.listReferrers(repo, digest, call);
  }
}
