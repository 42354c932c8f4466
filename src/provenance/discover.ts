/**
 * Finding attestations attached to an image: sigstore bundles among its OCI referrers, and
 * DSSE layers of cosign's legacy `sha256-<hex>.att` image. Each comes back as bundle JSON.
 */
import type { Digest, RepoRef } from '../image/ref.js';
import type { CallOptions, RegistryClient } from '../registry/types.js';
import { bundleJsonFromCosign } from '../signing/cosign-bundle.js';
import { readBlob } from '../signing/registry-io.js';
import { BUNDLE_MEDIA_TYPE, PREDICATE_TYPE_ANNOTATION } from '../signing/referrers.js';

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

/** Every attestation attached to `digest` in `repo` (referrer bundles first, then `.att` layers). */
export async function discoverAttestations(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  opts?: CallOptions & { predicateTypes?: readonly string[] },
): Promise<FoundAttestation[]> {
  const found: FoundAttestation[] = [];
  const wanted = (t: string | undefined) => !t || !opts?.predicateTypes || opts.predicateTypes.includes(t);
  for (const d of await client.listReferrers(repo, digest, { ...opts, artifactType: BUNDLE_MEDIA_TYPE })) {
    const hint = d.annotations?.[PREDICATE_TYPE_ANNOTATION];
    if (d.artifactType !== BUNDLE_MEDIA_TYPE || !wanted(hint)) continue;
    const m = await client.getManifest(repo, d.digest, opts);
    const layers = (JSON.parse(new TextDecoder().decode(m.bytes)) as { layers?: { mediaType: string; digest: Digest }[] })
      .layers ?? [];
    for (const l of layers.filter((x) => x.mediaType === BUNDLE_MEDIA_TYPE)) {
      const bundle = JSON.parse((await readBlob(client, repo, l.digest, opts)).toString('utf8')) as unknown;
      found.push({ origin: `referrer ${d.digest}`, predicateTypeHint: hint, bundle });
    }
  }
  const tag = attTag(digest);
  if (await client.headManifest(repo, tag, opts)) {
    const m = await client.getManifest(repo, tag, opts);
    const layers =
      (JSON.parse(new TextDecoder().decode(m.bytes)) as {
        layers?: { mediaType: string; digest: Digest; annotations?: Record<string, string> }[];
      }).layers ?? [];
    for (const l of layers.filter((x) => x.mediaType === DSSE_LAYER_MEDIA_TYPE)) {
      const annotations = l.annotations ?? {};
      const hint = annotations.predicateType;
      if (!wanted(hint)) continue;
      const envelope = JSON.parse((await readBlob(client, repo, l.digest, opts)).toString('utf8')) as unknown;
      found.push({ origin: `${tag} layer ${l.digest}`, predicateTypeHint: hint, bundle: bundleJsonFromCosign({ kind: 'dsse', envelope }, annotations) });
    }
  }
  return found;
}
