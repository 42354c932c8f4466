/**
 * Non-image OCI artifacts as releases ship them (a Helm chart, an `artifactType` artifact with the
 * empty config, a WASM module, an index of artifacts), and the attachments of an image (an SPDX
 * SBOM and an in-toto provenance as referrers, cosign's `.sbom` / `.att` tag images). Pure
 * builders in the shape the seeders push (ImageData / IndexData).
 */
import { blobOf, buildIndex, sha256, seededBytes, type BlobData, type ImageData, type IndexData } from '../support/seed.js';
import { MediaTypes } from '../../src/registry/types.js';

export const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
export const HELM_CHART = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const WASM_CONFIG = 'application/vnd.wasm.config.v0+json';
export const WASM_LAYER = 'application/vnd.wasm.content.layer.v1+wasm';
export const SPDX = 'application/spdx+json';
export const IN_TOTO = 'application/vnd.in-toto+json';

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
const desc = (b: { mediaType: string; digest: string; size: number }) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size });

/** An OCI image manifest over `config` and `layers`, with optional artifactType, subject and annotations. */
export function artifactManifest(
  config: BlobData,
  layers: BlobData[],
  more: { artifactType?: string; subject?: { mediaType: string; digest: string; size: number }; annotations?: Record<string, string> } = {},
): ImageData {
  const doc: Record<string, unknown> = { schemaVersion: 2, mediaType: MediaTypes.ociManifest };
  if (more.artifactType) doc.artifactType = more.artifactType;
  doc.config = desc(config);
  doc.layers = layers.map(desc);
  if (more.subject) doc.subject = desc(more.subject);
  if (more.annotations) doc.annotations = more.annotations;
  const bytes = json(doc);
  return { mediaType: MediaTypes.ociManifest, digest: sha256(bytes), size: bytes.length, bytes, config, layers };
}

/** The OCI empty descriptor's blob (`{}`). */
export const emptyConfig = (): BlobData => blobOf(new TextEncoder().encode('{}'), MediaTypes.ociEmpty);

/** A Helm chart as `helm push` writes it. */
export function helmChart(seed: string): ImageData {
  const config = blobOf(json({ name: seed, version: '1.0.0', apiVersion: 'v2' }), HELM_CONFIG);
  return artifactManifest(config, [blobOf(seededBytes(`chart:${seed}`, 300), HELM_CHART)], { annotations: { 'org.opencontainers.image.title': seed } });
}

/** An artifact with `artifactType` and the empty config, as `oras push --artifact-type` writes it. */
export function emptyConfigArtifact(seed: string, artifactType = 'application/vnd.example.release.v1'): ImageData {
  return artifactManifest(emptyConfig(), [blobOf(seededBytes(`file:${seed}`, 120), 'application/vnd.example.file.v1')], { artifactType });
}

/** A WASM module (wasm-to-oci layout). */
export function wasmModule(seed: string): ImageData {
  const config = blobOf(json({ architecture: 'wasm', os: 'wasip1', created: '1970-01-01T00:00:00Z' }), WASM_CONFIG);
  const module = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...seededBytes(`wasm:${seed}`, 64)]);
  return artifactManifest(config, [blobOf(module, WASM_LAYER)]);
}

/** An OCI index listing artifacts (no platforms), with an `artifactType`. */
export function artifactIndex(children: ImageData[], artifactType = 'application/vnd.example.bundle.v1'): IndexData {
  const base = buildIndex(children);
  const doc = JSON.parse(new TextDecoder().decode(base.bytes)) as Record<string, unknown>;
  const bytes = json({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, artifactType, manifests: doc.manifests });
  return { ...base, bytes, digest: sha256(bytes), size: bytes.length };
}

/** An SPDX SBOM referrer of `subject`. */
export function sbomReferrer(subject: { mediaType: string; digest: string; size: number }, seed: string): ImageData {
  const body = json({ spdxVersion: 'SPDX-2.3', name: seed, packages: [] });
  return artifactManifest(emptyConfig(), [blobOf(body, SPDX)], { artifactType: SPDX, subject, annotations: { 'org.example.kind': 'sbom' } });
}

/** An in-toto (unsigned) provenance statement referrer of `subject`. */
export function provenanceReferrer(subject: { mediaType: string; digest: string; size: number }, seed: string): ImageData {
  const stmt = json({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: seed, digest: { sha256: subject.digest.split(':')[1] } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: {} });
  return artifactManifest(emptyConfig(), [blobOf(stmt, IN_TOTO)], { artifactType: IN_TOTO, subject });
}

/** A cosign `.sbom` tag image (layer of the SBOM's media type). */
export function cosignSbomImage(seed: string): ImageData {
  const body = json({ spdxVersion: 'SPDX-2.3', name: `tag:${seed}`, packages: [] });
  const layer = blobOf(body, 'text/spdx+json');
  const config = blobOf(json({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: [layer.digest] } }), MediaTypes.ociConfig);
  return artifactManifest(config, [layer]);
}
