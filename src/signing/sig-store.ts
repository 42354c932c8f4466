/**
 * Reading, appending to and copying cosign `.sig` images on a registry. Appending keeps the
 * existing layers (other signers' signatures) and skips a signature already there for our identity.
 */
import { KpromoError } from '../errors.js';
import type { Digest, RepoRef } from '../image/ref.js';
import type { CallOptions, RegistryClient } from '../registry/types.js';
import { copyBlobs, getManifestIfPresent, manifestBlobDigests, pushImage, readBlob } from './registry-io.js';
import { CosignAnnotations, buildSigImage, sigLayers, sigTag } from './sig-image.js';
import type { TagIndex } from './tag-index.js';
import type { SimpleSigningLayer } from './types.js';

/** The `.sig` image of a digest as stored: its manifest digest and its simple-signing layers. */
export interface StoredSignatures {
  manifestDigest: Digest;
  layers: SimpleSigningLayer[];
}

/** Per-call options, with the run's TagIndex to skip reading tags that do not exist. */
export type TrustCallOptions = CallOptions & { tags?: TagIndex };

/** Reads the `.sig` image of `digest` in `repo`; undefined when there is none. */
export async function readSignatures(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  withTags: TrustCallOptions = {},
): Promise<StoredSignatures | undefined> {
  const { tags, ...opts } = withTags;
  const tag = sigTag(digest);
  if (tags && !(await tags.mayExist(repo, tag, opts))) return undefined;
  const m = await getManifestIfPresent(client, repo, tag, opts);
  if (!m) return undefined;
  const layers: SimpleSigningLayer[] = [];
  for (const d of sigLayers(m.bytes)) {
    layers.push({ payload: await readBlob(client, repo, d.digest, opts), annotations: d.annotations ?? {} });
  }
  return { manifestDigest: m.digest, layers };
}

/** Outcome of adding a signature. */
export type AppendResult = 'written' | 'already-present';

/**
 * Adds the layer `sign` makes to the `.sig` image of `digest`, unless `isOurs` says an existing
 * layer is already a signature by the same identity over the same image (then nothing is signed).
 */
export async function appendSignature(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  sign: () => Promise<SimpleSigningLayer>,
  isOurs: (existing: SimpleSigningLayer) => Promise<boolean>,
  withTags: TrustCallOptions = {},
): Promise<AppendResult> {
  const { tags, ...opts } = withTags;
  // Read for real (not through `tags`): these layers are the base of the new `.sig`.
  const existing = await readSignatures(client, repo, digest, opts);
  for (const l of existing?.layers ?? []) {
    if (await isOurs(l)) return 'already-present';
  }
  const layer = await sign();
  await pushImage(client, repo, buildSigImage([...(existing?.layers ?? []), layer]), sigTag(digest), opts);
  tags?.add(repo, sigTag(digest));
  return 'written';
}

/**
 * Copies the `.sig` image of `digest` from `src` to `dst` byte for byte (same manifest digest).
 * Returns 'absent' when the source has none, 'present' when `dst` already has the same one.
 * `tags` may skip the source read; the destination, which may be merged into, is always read.
 */
export async function copySignatures(
  client: RegistryClient,
  src: RepoRef,
  dst: RepoRef,
  digest: Digest,
  withTags: TrustCallOptions = {},
): Promise<'copied' | 'present' | 'absent'> {
  const { tags, ...opts } = withTags;
  const tag = sigTag(digest);
  if (tags && !(await tags.mayExist(src, tag, opts))) return 'absent';
  const head = await client.headManifest(src, tag, opts);
  if (!head) return 'absent';
  // The destination is always asked: copying over a `.sig` thought absent would drop its layers.
  const there = await client.headManifest(dst, tag, opts);
  if (there?.digest === head.digest) return 'present';
  if (there) {
    // Both sides hold signatures: merge, never drop the destination's own.
    const [a, b] = await Promise.all([readSignatures(client, dst, digest, opts), readSignatures(client, src, digest, opts)]);
    if (!a || !b) throw new KpromoError('SIGNATURE_VANISHED', `${tag} vanished while copying it`);
    const have = new Set(a.layers.map(sigOf));
    const extra = b.layers.filter((l) => !have.has(sigOf(l)));
    if (extra.length === 0) return 'present';
    await pushImage(client, dst, buildSigImage([...a.layers, ...extra]), tag, opts);
    return 'copied';
  }
  const m = await client.getManifest(src, head.digest, opts);
  await copyBlobs(client, src, dst, manifestBlobDigests(m.bytes), opts);
  await client.putManifest(dst, tag, { bytes: m.bytes, mediaType: m.mediaType }, opts);
  tags?.add(dst, tag);
  return 'copied';
}

/** What reconciling a `.sig` found or did: our signature, and the staging signature's layers. */
export interface SigReconcile {
  signed: AppendResult;
  staging: 'copied' | 'present' | 'absent';
}

/**
 * Makes the `.sig` image of `digest` in `dst` hold a signature of ours (`isOurs`) and every layer
 * of the staging `.sig` in `src`, with at most one write. The run's listings answer the steady
 * state without a read: a `.sig` at `dst` and none in staging is taken as complete. Otherwise the
 * destination `.sig` (the base of the write) is read for real, staging's only if its listing
 * shows one, and what is missing is added. `sign` runs before any write: when it throws, nothing
 * is written.
 */
export async function reconcileSignatures(
  client: RegistryClient,
  src: RepoRef,
  dst: RepoRef,
  digest: Digest,
  sign: () => Promise<SimpleSigningLayer>,
  isOurs: (existing: SimpleSigningLayer) => Promise<boolean>,
  withTags: TrustCallOptions = {},
): Promise<SigReconcile> {
  const { tags, ...opts } = withTags;
  const tag = sigTag(digest);
  const [atDst, atSrc] = await Promise.all([tags?.has(dst, tag, opts), tags?.has(src, tag, opts)]);
  if (atDst === true && atSrc === false) return { signed: 'already-present', staging: 'absent' };
  const existing = (await readSignatures(client, dst, digest, opts))?.layers ?? [];
  const staged = atSrc === false ? undefined : await readSignatures(client, src, digest, opts);
  const have = new Set(existing.map(sigOf));
  const extra = (staged?.layers ?? []).filter((l) => !have.has(sigOf(l)));
  let ours = false;
  for (const l of existing) if ((ours = await isOurs(l))) break;
  const staging = extra.length > 0 ? 'copied' : staged ? 'present' : 'absent';
  if (ours && extra.length === 0) return { signed: 'already-present', staging };
  const layers = [...existing, ...extra, ...(ours ? [] : [await sign()])];
  await pushImage(client, dst, buildSigImage(layers), tag, opts);
  tags?.add(dst, tag);
  return { signed: ours ? 'already-present' : 'written', staging };
}

const sigOf = (l: SimpleSigningLayer): string => l.annotations[CosignAnnotations.signature] ?? '';
