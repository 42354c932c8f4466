/**
 * Reading the descriptor lists of a manifest from its exact bytes: the `manifests` of an index
 * (OCI index, Docker manifest list, referrers index) and the `layers` of an image manifest.
 * One parser for every place that walks children or layers.
 */
import { KpromoError } from '../errors.js';
import type { Descriptor } from './types.js';

/** The descriptors an index lists; [] for a manifest without a `manifests` array. Throws INVALID_MANIFEST on bad JSON. */
export function indexEntries(bytes: Uint8Array): Descriptor[] {
  return descriptorList(bytes, 'manifests');
}

/** The layer descriptors of an image manifest, optionally only those of `mediaType`. Throws INVALID_MANIFEST on bad JSON. */
export function manifestLayers(bytes: Uint8Array, mediaType?: string): Descriptor[] {
  const layers = descriptorList(bytes, 'layers');
  return mediaType ? layers.filter((l) => l.mediaType === mediaType) : layers;
}

function descriptorList(bytes: Uint8Array, field: 'manifests' | 'layers'): Descriptor[] {
  let doc: Record<string, unknown> | null;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof doc;
  } catch (err) {
    throw new KpromoError('INVALID_MANIFEST', 'manifest is not JSON', { cause: err });
  }
  const list = doc?.[field];
  return Array.isArray(list) ? (list as Descriptor[]) : [];
}
