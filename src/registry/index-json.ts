/**
 * Reading the `manifests` list of an image index (OCI index, Docker manifest list, or a
 * referrers index) from its exact bytes. One parser for every place that walks children.
 */
import { KpromoError } from '../errors.js';
import type { Descriptor } from './types.js';

/** The descriptors an index lists; [] for a manifest without a `manifests` array. Throws INVALID_MANIFEST on bad JSON. */
export function indexEntries(bytes: Uint8Array): Descriptor[] {
  let doc: { manifests?: unknown };
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof doc;
  } catch (err) {
    throw new KpromoError('INVALID_MANIFEST', 'index is not JSON', { cause: err });
  }
  return Array.isArray(doc?.manifests) ? (doc.manifests as Descriptor[]) : [];
}
