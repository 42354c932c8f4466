/**
 * Sigstore bundles as OCI referrers of an image: attach one (with annotations used for dedup),
 * and find an existing one whose annotations match.
 */
import type { Digest, RepoRef } from '../image/ref.js';
import type { RegistryClient } from '../registry/types.js';
import { readBlob } from './registry-io.js';
import { attachReferrer, buildBundleArtifact, BUNDLE_MEDIA_TYPE } from './referrers.js';

/** Attaches `bundle` (JSON) to `digest` in `repo` as a referrer carrying `annotations`. */
export async function attachBundle(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  bundle: unknown,
  annotations: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  const subject = await client.headManifest(repo, digest, { signal });
  if (!subject) throw new Error(`cannot attach a bundle: ${repo.repository}@${digest} is not there`);
  const all = { ...annotations, 'dev.sigstore.bundle.content': contentKind(bundle) };
  const bytes = new TextEncoder().encode(JSON.stringify(bundle));
  await attachReferrer(client, repo, digest, buildBundleArtifact(subject, bytes, all), all, { signal });
}

/** The first bundle referrer of `digest` whose annotations include `want`, with its bundle JSON. */
export async function findReferrer(
  client: RegistryClient,
  repo: RepoRef,
  digest: Digest,
  want: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ bundle: unknown; annotations: Record<string, string> } | undefined> {
  const list = await client.listReferrers(repo, digest, { signal, artifactType: BUNDLE_MEDIA_TYPE });
  const hit = list.find(
    (d) => d.artifactType === BUNDLE_MEDIA_TYPE && Object.entries(want).every(([k, v]) => d.annotations?.[k] === v),
  );
  if (!hit) return undefined;
  const m = await client.getManifest(repo, hit.digest, { signal });
  const layer = (JSON.parse(new TextDecoder().decode(m.bytes)) as { layers?: { mediaType: string; digest: Digest }[] }).layers?.find(
    (l) => l.mediaType === BUNDLE_MEDIA_TYPE,
  );
  if (!layer) return undefined;
  const bundle = JSON.parse((await readBlob(client, repo, layer.digest, { signal })).toString('utf8')) as unknown;
  return { bundle, annotations: hit.annotations ?? {} };
}

function contentKind(bundle: unknown): string {
  return (bundle as { dsseEnvelope?: unknown })?.dsseEnvelope ? 'dsse-envelope' : 'message-signature';
}
