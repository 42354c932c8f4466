/**
 * Sigstore bundles as OCI referrers of an image: attach one (with annotations used for dedup),
 * and find an existing one whose annotations match.
 */
import { KpromoError } from '../errors.js';
import type { Digest, RepoRef } from '../image/ref.js';
import type { Descriptor, ManifestInfo, RegistryClient } from '../registry/types.js';
import { readBlob } from './registry-io.js';
import { attachReferrer, buildBundleArtifact, BUNDLE_MEDIA_TYPE } from './referrers.js';
import type { TagIndex } from './tag-index.js';
import { manifestLayers } from '../registry/manifest-json.js';

/** Options of attachBundle and findReferrer. */
export interface BundleIoOptions {
  signal?: AbortSignal;
  /** The run's TagIndex: skips reads of a referrers fallback tag that does not exist. */
  tags?: TagIndex;
  /** The subject as already known to be at `repo` (e.g. verified there after promotion): saves its HEAD. */
  subject?: ManifestInfo;
}

/** Attaches `bundle` (JSON) to `digest` in `repo` as a referrer carrying `annotations`. */
export async function attachBundle(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  bundle: unknown,
  annotations: Record<string, string>,
  { signal, tags, subject: known }: BundleIoOptions = {},
): Promise<void> {
  const subject = known?.digest === digest ? known : await client.headManifest(repo, digest, { signal });
  if (!subject) throw new KpromoError('SUBJECT_MISSING', `cannot attach a bundle: ${repo.repository}@${digest} is not there`);
  const all = { ...annotations, 'dev.sigstore.bundle.content': contentKind(bundle) };
  const bytes = new TextEncoder().encode(JSON.stringify(bundle));
  await attachReferrer(client, repo, digest, buildBundleArtifact(subject, bytes, all), all, { signal, tags });
}

/** Whether a bundle referrer of `digest` carries the annotations `want`: the referrer list alone, nothing fetched. */
export async function hasReferrer(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  want: Record<string, string>,
  { signal, tags }: BundleIoOptions = {},
): Promise<boolean> {
  return (await matchingReferrer(client, repo, digest, want, { signal, tags })) !== undefined;
}

async function matchingReferrer(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  want: Record<string, string>,
  { signal, tags }: BundleIoOptions,
): Promise<Descriptor | undefined> {
  const opts = { signal, artifactType: BUNDLE_MEDIA_TYPE };
  const list = await (tags ? tags.listReferrers(repo, digest, opts) : client.listReferrers(repo, digest, opts));
  return list.find((d) => d.artifactType === BUNDLE_MEDIA_TYPE && Object.entries(want).every(([k, v]) => d.annotations?.[k] === v));
}

/** The first bundle referrer of `digest` whose annotations include `want`, with its bundle JSON. */
export async function findReferrer(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  want: Record<string, string>,
  { signal, tags }: BundleIoOptions = {},
): Promise<{ bundle: unknown; annotations: Record<string, string> } | undefined> {
  const hit = await matchingReferrer(client, repo, digest, want, { signal, tags });
  if (!hit) return undefined;
  const m = await client.getManifest(repo, hit.digest, { signal });
  const [layer] = manifestLayers(m.bytes, BUNDLE_MEDIA_TYPE);
  if (!layer) return undefined;
  const bundle = JSON.parse((await readBlob(client, repo, layer.digest, { signal })).toString('utf8')) as unknown;
  return { bundle, annotations: hit.annotations ?? {} };
}

function contentKind(bundle: unknown): string {
  return (bundle as { dsseEnvelope?: unknown })?.dsseEnvelope ? 'dsse-envelope' : 'message-signature';
}
