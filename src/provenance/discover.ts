/**
 * Finding attestations attached to an image: sigstore bundles among its OCI referrers, and
 * DSSE layers of cosign's legacy `sha256-<hex>.att` image. Each comes back as bundle JSON.
 */
import type { Digest, RepoRef } from '../image/ref.js';
import type { RegistryClient } from '../registry/types.js';
import { bundleJsonFromCosign } from '../signing/cosign-bundle.js';
import { getManifestIfPresent, readBlob } from '../signing/registry-io.js';
import { BUNDLE_MEDIA_TYPE, PREDICATE_TYPE_ANNOTATION } from '../signing/referrers.js';
import type { TrustCallOptions } from '../signing/sig-store.js';
import { manifestLayers } from '../registry/manifest-json.js';

/** Media type of a DSSE layer in a cosign `.att` image. */
export const DSSE_LAYER_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

/** One attestation found, not yet verified. */
export interface FoundAttestation {
  /** Where it came from, for messages. */
  origin: string;
  /** The predicate type the registry annotates, when it does (a hint; the signed payload decides). */
  predicateTypeHint?: string;
  bundle: unknown;
}

/** The tag cosign stores attestations of `digest` under. */
export function attTag(digest: Digest): string {
  return `${digest.replace(':', '-')}.att`;
}

/** Options of discovery: predicate types wanted (by their registry hint) and the run's TagIndex. */
export type DiscoverOptions = TrustCallOptions & { predicateTypes?: readonly string[] };

/** Every attestation attached to `digest` in `repo` (referrer bundles first, then `.att` layers). */
export async function discoverAttestations(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  opts: DiscoverOptions = {},
): Promise<FoundAttestation[]> {
  return [...(await referrerBundles(client, repo, digest, opts)), ...(await attLayerBundles(client, repo, digest, opts))];
}

/** The sigstore bundles among the OCI referrers of `digest` (whose hint is wanted). */
export async function referrerBundles(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  { tags, predicateTypes, ...opts }: DiscoverOptions = {},
): Promise<FoundAttestation[]> {
  const found: FoundAttestation[] = [];
  const listOpts = { ...opts, artifactType: BUNDLE_MEDIA_TYPE };
  const listed = await (tags ? tags.listReferrers(repo, digest, listOpts) : client.listReferrers(repo, digest, listOpts));
  for (const d of listed) {
    const hint = d.annotations?.[PREDICATE_TYPE_ANNOTATION];
    if (d.artifactType !== BUNDLE_MEDIA_TYPE || !wanted(predicateTypes, hint)) continue;
    const m = await client.getManifest(repo, d.digest, opts);
    for (const l of manifestLayers(m.bytes, BUNDLE_MEDIA_TYPE)) {
      const bundle = JSON.parse((await readBlob(client, repo, l.digest, opts)).toString('utf8')) as unknown;
      found.push({ origin: `referrer ${d.digest}`, predicateTypeHint: hint, bundle });
    }
  }
  return found;
}

/** The DSSE layers of cosign's legacy `sha256-<hex>.att` image of `digest` (whose hint is wanted), as bundles. */
export async function attLayerBundles(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  { tags, predicateTypes, ...opts }: DiscoverOptions = {},
): Promise<FoundAttestation[]> {
  const tag = attTag(digest);
  if (tags && !(await tags.mayExist(repo, tag, opts))) return [];
  const m = await getManifestIfPresent(client, repo, tag, opts);
  if (!m) return [];
  const found: FoundAttestation[] = [];
  for (const l of manifestLayers(m.bytes, DSSE_LAYER_MEDIA_TYPE)) {
    const annotations = l.annotations ?? {};
    const hint = annotations.predicateType;
    if (!wanted(predicateTypes, hint)) continue;
    const envelope = JSON.parse((await readBlob(client, repo, l.digest, opts)).toString('utf8')) as unknown;
    found.push({ origin: `${tag} layer ${l.digest}`, predicateTypeHint: hint, bundle: bundleJsonFromCosign({ kind: 'dsse', envelope }, annotations) });
  }
  return found;
}

/** A bundle without a hint is always read: the signed payload decides. */
const wanted = (types: readonly string[] | undefined, hint: string | undefined): boolean => !hint || !types || types.includes(hint);
