/**
 * Pushes an image's manifests to one destination repository after its blobs are there: child
 * manifests by digest first, then the top manifest by each tag (or by digest when tagless), so
 * no destination ever shows a tag whose content is incomplete. Bytes are the source's, verbatim.
 */
import { errorMessage } from '../errors.js';
import { repoKey, type RepoRef } from '../image/ref.js';
import type { FetchedManifest, RegistryClient } from '../registry/types.js';
import type { BlobKnowledge } from './knowledge.js';

/** Child manifest PUTs shared across images of a run, keyed by repo@digest: each is pushed once. */
export type ChildPuts = Map<string, Promise<void>>;

/** What to write at one destination for one image. */
export interface ManifestPush {
  repo: RepoRef;
  top: FetchedManifest;
  /** Child manifests to push first (empty when only a tag is added). */
  children: FetchedManifest[];
  /** Tags to put; the top manifest is put by digest when `byDigest`. */
  tags: string[];
  byDigest: boolean;
  /** Receives each top-manifest reference (tag, or '' by digest) whose answer did not prove the write. */
  unconfirmed?: Set<string>;
}

/** Runs one write within its destination host's budget of writes in flight (see HostLimits). */
export type WriteSlot = <T>(fn: () => Promise<T>) => Promise<T>;

/** Pushes one image; returns the error message of each reference that failed (a tag, or '' for the by-digest push). */
export async function pushManifests(
  client: RegistryClient,
  p: ManifestPush,
  shared: ChildPuts,
  known: BlobKnowledge,
  signal?: AbortSignal,
  slot: WriteSlot = (fn) => fn(),
): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  const put = (ref: string, m: FetchedManifest): Promise<boolean> =>
    slot(() => known.guard(p.repo.host, async () => {
      const body = { bytes: m.bytes, mediaType: m.mediaType };
      const call = { signal, side: 'destination' as const };
      const got = client.putManifestChecked
        ? await client.putManifestChecked(p.repo, ref, body, call)
        : { digest: await client.putManifest(p.repo, ref, body, call), confirmed: false };
      if (got.digest !== m.digest) throw new Error(`registry stored ${got.digest} for ${m.digest}`);
      return got.confirmed;
    }));
  try {
    await Promise.all(
      p.children.map((c) => {
        const k = `${repoKey(p.repo)}@${c.digest}`;
        let pending = shared.get(k);
        if (!pending) shared.set(k, (pending = put(c.digest, c).then(() => undefined)));
        return pending;
      }),
    );
  } catch (err) {
    const msg = `child manifest: ${errorMessage(err)}`;
    for (const t of p.byDigest ? ['', ...p.tags] : p.tags) failed.set(t, msg);
    return failed;
  }
  // A tag PUT stores the manifest by digest too, so a by-digest PUT is only needed without tags.
  const refs = p.tags.length > 0 ? p.tags : [p.top.digest as string];
  await Promise.all(
    refs.map(async (ref) => {
      try {
        if (!(await put(ref, p.top))) p.unconfirmed?.add(ref === p.top.digest ? '' : ref);
      } catch (err) {
        const msg = `manifest ${ref}: ${errorMessage(err)}`;
        failed.set(ref === p.top.digest ? '' : ref, msg);
        if (p.byDigest && ref === refs[0]) failed.set('', msg);
      }
    }),
  );
  return failed;
}
