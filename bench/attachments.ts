/**
 * The attachments scenario's staging content: each workload image under its own staging prefix
 * with three OCI referrers, as releases attach them (an SPDX SBOM, an in-toto provenance and a
 * sigstore signature bundle), listed through the `sha256-<hex>` fallback index (Distribution has
 * no referrers API). Their counts feed the request floor's attachment terms.
 */
import { digest as asDigest } from '../src/image/ref.js';
import { createHttpRegistryClient } from '../src/registry/http/client.js';
import { attachReferrer } from '../src/registry/http/referrers.js';
import { artifactManifest, emptyConfig, provenanceReferrer, sbomReferrer } from '../test/referrers/seed-artifacts.js';
import { blobOf, pushImage, seededBytes, type ImageData } from '../test/support/seed.js';
import type { Attachments } from './floor.js';
import type { Fronted } from './env.js';
import { pushWorkload, type BuiltWorkload } from './workload.js';

/** The staging prefix of the attachments scenario. */
export const ATTACHMENTS_PREFIX = 'staging-att';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** The referrers of one image: SBOM, provenance, signature bundle. */
function referrersOf(subject: { mediaType: string; digest: string; size: number }, seed: string): ImageData[] {
  const bundle = artifactManifest(emptyConfig(), [blobOf(seededBytes(`bundle-${seed}`, 512), BUNDLE)], { artifactType: BUNDLE, subject });
  return [sbomReferrer(subject, seed), provenanceReferrer(subject, seed), bundle];
}

/** Pushes the workload and its referrers to staging under ATTACHMENTS_PREFIX; returns their floor counts. */
export async function pushAttachmentWorkload(staging: Fronted, w: BuiltWorkload): Promise<Attachments> {
  await pushWorkload(staging.registry, ATTACHMENTS_PREFIX, w);
  const client = createHttpRegistryClient();
  const blobs = new Set<string>();
  let manifests = 0;
  try {
    for (const img of w.images) {
      const repo = { host: staging.registry.host, repository: `${ATTACHMENTS_PREFIX}/${img.name}` };
      for (const r of referrersOf(img.data, img.name)) {
        for (const b of [r.config, ...r.layers]) blobs.add(b.digest);
        await pushImage(staging.registry, repo.repository, r);
        await attachReferrer(client, repo, asDigest(img.data.digest), { bytes: r.bytes, mediaType: r.mediaType });
        manifests++;
      }
    }
  } finally {
    await client.close();
  }
  // every image has referrers: one fallback index each at a destination, read once each at the source
  return { manifests, blobs: blobs.size, subjects: w.images.length, listed: w.images.length, referrersApi: false };
}
