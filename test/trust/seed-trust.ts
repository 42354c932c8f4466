/** Seeding staging images with signatures and provenance, through kpromo's own writers. */
import { digest as asDigest, type RepoRef } from '../../src/image/ref.js';
import type { RegistryClient } from '../../src/registry/types.js';
import { attachBundle } from '../../src/signing/bundle-attach.js';
import { PREDICATE_TYPE_ANNOTATION } from '../../src/signing/referrers.js';
import { pushImage } from '../../src/signing/registry-io.js';
import { buildSigImage, cosignAnnotations, sha256Digest, sigTag } from '../../src/signing/sig-image.js';
import { buildSimpleSigningPayload } from '../../src/signing/simple-signing.js';
import type { Signer } from '../../src/signing/types.js';
import { MediaTypes } from '../../src/registry/types.js';

const repo = (host: string, repository: string): RepoRef => ({ host, repository });

/** Signs `digest` in `host/repository` with `signer` as cosign would (a `.sig` image). */
export async function stageSignature(client: RegistryClient, host: string, repository: string, digest: string, signer: Signer): Promise<void> {
  const d = asDigest(digest);
  const payload = buildSimpleSigningPayload(`${host}/${repository}`, d);
  const msg = await signer.signMessage(payload);
  await pushImage(client, repo(host, repository), buildSigImage([{ payload, annotations: cosignAnnotations(msg) }]), sigTag(d));
}

/** An SLSA v1 provenance statement about `digest`. */
export function slsaV1(digest: string, builder: string, sourceRepo: string): object {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'app', digest: { sha256: digest.split(':')[1] } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: { buildType: 'https://example/build', externalParameters: { workflow: { repository: sourceRepo } } },
      runDetails: { builder: { id: builder } },
    },
  };
}

/** Attaches `statement`, signed by `signer`, as a bundle referrer of `digest`. */
export async function stageProvenance(client: RegistryClient, host: string, repository: string, digest: string, statement: object, signer: Signer): Promise<void> {
  const bundle = await signer.signDsse(Buffer.from(JSON.stringify(statement)), 'application/vnd.in-toto+json');
  await attachBundle(client, repo(host, repository), asDigest(digest), bundle, { [PREDICATE_TYPE_ANNOTATION]: (statement as { predicateType: string }).predicateType });
}

/** Writes a cosign-style `.att` image whose DSSE layer holds `statement` signed by `signer` (key-based). */
export async function stageAttTag(client: RegistryClient, host: string, repository: string, digest: string, statement: object, signer: Signer): Promise<void> {
  const bundle = (await signer.signDsse(Buffer.from(JSON.stringify(statement)), 'application/vnd.in-toto+json')) as unknown as {
    dsseEnvelope: unknown;
  };
  const envelope = new TextEncoder().encode(JSON.stringify(bundle.dsseEnvelope));
  const config = new TextEncoder().encode(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [sha256Digest(envelope)] } }));
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.byteLength },
      layers: [
        {
          mediaType: 'application/vnd.dsse.envelope.v1+json',
          digest: sha256Digest(envelope),
          size: envelope.byteLength,
          annotations: { predicateType: (statement as { predicateType: string }).predicateType },
        },
      ],
    }),
  );
  await pushImage(
    client,
    repo(host, repository),
    {
      manifest: { bytes: manifest, mediaType: MediaTypes.ociManifest, digest: sha256Digest(manifest) },
      blobs: [
        { digest: sha256Digest(config), bytes: config },
        { digest: sha256Digest(envelope), bytes: envelope },
      ],
    },
    `${digest.replace(':', '-')}.att`,
  );
}
