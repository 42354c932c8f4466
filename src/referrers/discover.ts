/**
 * Finding the attachments of an image in staging: its referrers (the referrers API, or the
 * `sha256-<hex>` fallback index, through the run's TagIndex, so the list read by provenance and
 * validate is not read again) and cosign's `.sig` / `.att` / `.sbom` tags (a tag the staging
 * listing does not show is not asked for); then, down to MAX_DEPTH, the attachments of each.
 * A staging registry decides what its lists hold: each attachment is followed once per image
 * (a fallback index may list any digest, under any number of subjects), and an image with more
 * than MAX_ATTACHMENTS is refused whole rather than read without end.
 */
import { repoKey, type Digest, type RepoRef } from '../image/ref.js';
import { RegistryError } from '../registry/errors.js';
import type { CallOptions } from '../registry/types.js';
import type { TagIndex } from '../signing/tag-index.js';
import { cosignTag, type Attachment } from './attachment.js';
import { COSIGN_SUFFIXES, wanted, type CosignSuffix, type ReferrerFilter } from './filter.js';

/** How deep attachments of attachments are followed (an image's SBOM's signature is depth 2). */
export const MAX_DEPTH = 3;

/** Most attachments (at every depth) of one image; more is refused as a hostile or broken listing. */
export const MAX_ATTACHMENTS = 1000;

/** What discovery reads with. */
export interface DiscoverIo {
  tags: TagIndex;
  filter: ReferrerFilter;
  /** Cosign suffixes of the image itself left to another phase (the sign phase copies the `.sig`). */
  skipOwn?: readonly CosignSuffix[];
  opts?: CallOptions;
  /** Overrides MAX_ATTACHMENTS. */
  maxAttachments?: number;
}

/** The attachments of `subject` in `repo` that the filter lets through, with theirs. */
export async function discoverAttachments(io: DiscoverIo, repo: RepoRef, subject: Digest): Promise<Attachment[]> {
  return discoverUnder(io, repo, subject, 1, new Set([subject]));
}

async function discoverUnder(io: DiscoverIo, repo: RepoRef, subject: Digest, depth: number, seen: Set<string>): Promise<Attachment[]> {
  const { tags, filter } = io;
  const opts = { ...io.opts, side: 'source' as const };
  const max = io.maxAttachments ?? MAX_ATTACHMENTS;
  const found: Attachment[] = [];
  const add = (a: Attachment): void => {
    if (seen.has(a.digest)) return;
    seen.add(a.digest);
    if (seen.size - 1 > max) {
      throw new RegistryError(`more than ${max} attachments under ${subject}: refused`, { op: 'list attachments', reference: `${repoKey(repo)}@${subject}`, retryable: false });
    }
    found.push(a);
  };
  for (const d of await tags.listReferrers(repo, subject, opts)) {
    if (!wanted(filter, d)) continue;
    add({ scheme: 'referrer', subject, digest: d.digest, mediaType: d.mediaType, ...(d.artifactType ? { artifactType: d.artifactType } : {}), children: [] });
  }
  for (const suffix of COSIGN_SUFFIXES) {
    if (depth === 1 && io.skipOwn?.includes(suffix)) continue;
    if (!wanted(filter, { suffix })) continue;
    const tag = cosignTag(subject, suffix);
    if (!(await tags.mayExist(repo, tag, opts))) continue;
    const head = await tags.client.headManifest(repo, tag, opts);
    if (head) add({ scheme: 'tag', subject, digest: head.digest, mediaType: head.mediaType, suffix, tag, children: [] });
  }
  if (depth < MAX_DEPTH) {
    for (const a of found) a.children = await discoverUnder(io, repo, a.digest, depth + 1, seen);
  }
  return found;
}
