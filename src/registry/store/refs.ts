/**
 * What a manifest references, read loosely from its JSON: blobs (config and layers), child
 * manifests (indexes), and an OCI 1.1 `subject`. Used to refuse manifests whose content is
 * missing and to answer the referrers API, by the server and the in-memory client alike.
 */
import { isIndexMediaType, MANIFEST_ACCEPT } from '../types.js';
import type { RegistryStore, StoredManifest } from './store.js';

/** Manifest media types the server accepts (those the client asks for). */
export const MANIFEST_TYPES: ReadonlySet<string> = new Set(MANIFEST_ACCEPT);

/** A descriptor as found in manifest JSON. */
export interface RawDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

/** The references of a parsed manifest. */
export interface ManifestRefs {
  /** `mediaType` inside the JSON, when present. */
  declaredType?: string;
  isIndex: boolean;
  blobs: string[];
  children: string[];
  subject?: RawDescriptor;
  artifactType?: string;
  configType?: string;
  annotations?: Record<string, string>;
}

const isDesc = (v: unknown): v is RawDescriptor =>
  typeof v === 'object' && v !== null && typeof (v as RawDescriptor).digest === 'string' && typeof (v as RawDescriptor).mediaType === 'string';

/** Parses manifest JSON; throws a plain Error saying what is wrong when it is not a manifest. */
export function parseManifestRefs(bytes: Uint8Array, mediaType: string): ManifestRefs {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`manifest is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('manifest is not a JSON object');
  if (doc.schemaVersion !== 2) throw new Error('manifest schemaVersion must be 2');
  const declaredType = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const isIndex = isIndexMediaType(mediaType);
  const refs: ManifestRefs = { declaredType, isIndex, blobs: [], children: [] };
  if (isIndex) {
    if (!Array.isArray(doc.manifests) || !doc.manifests.every(isDesc)) throw new Error('index needs a manifests array of descriptors');
    refs.children = doc.manifests.map((d) => d.digest);
  } else {
    if (!isDesc(doc.config)) throw new Error('image manifest needs a config descriptor');
    const layers = doc.layers ?? [];
    if (!Array.isArray(layers) || !layers.every(isDesc)) throw new Error('image manifest layers must be descriptors');
    refs.configType = doc.config.mediaType;
    // Foreign layers (with urls) are not expected in the registry.
    refs.blobs = [doc.config, ...layers.filter((l) => !l.urls?.length)].map((d) => d.digest);
  }
  if (isDesc(doc.subject)) refs.subject = doc.subject;
  if (typeof doc.artifactType === 'string') refs.artifactType = doc.artifactType;
  if (typeof doc.annotations === 'object' && doc.annotations !== null) refs.annotations = doc.annotations as Record<string, string>;
  return refs;
}

/** Digests a manifest references that `repo` lacks (blobs, then child manifests). */
export async function missingReferences(store: RegistryStore, repo: string, refs: ManifestRefs): Promise<string[]> {
  const missing: string[] = [];
  for (const b of refs.blobs) if ((await store.statBlob(repo, b)) === undefined) missing.push(b);
  for (const c of refs.children) if (!(await store.getManifest(repo, c))) missing.push(c);
  return missing;
}

/** A referrers-API descriptor (artifactType falls back to the config media type). */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** The descriptor the referrers API lists for a stored manifest. */
export function referrerOf(digest: string, m: StoredManifest, refs: ManifestRefs): ReferrerDescriptor {
  const d: ReferrerDescriptor = { mediaType: m.mediaType, digest, size: m.bytes.length };
  const artifactType = refs.artifactType ?? refs.configType;
  if (artifactType) d.artifactType = artifactType;
  if (refs.annotations) d.annotations = refs.annotations;
  return d;
}

/** Manifests in `repo` whose `subject` is `subject`, optionally of one artifact type, sorted by digest. */
export async function findReferrers(store: RegistryStore, repo: string, subject: string, artifactType?: string): Promise<ReferrerDescriptor[]> {
  const out: ReferrerDescriptor[] = [];
  for (const digest of await store.listManifests(repo)) {
    const m = await store.getManifest(repo, digest);
    if (!m) continue;
    let refs: ManifestRefs;
    try {
      refs = parseManifestRefs(m.bytes, m.mediaType);
    } catch {
      continue;
    }
    if (refs.subject?.digest !== subject) continue;
    const d = referrerOf(digest, m, refs);
    if (artifactType === undefined || d.artifactType === artifactType) out.push(d);
  }
  return out.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}
