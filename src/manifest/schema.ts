/**
 * Parsed promoter manifests. Every entry keeps where it came from (file, line, column) so that
 * validation, edge computation and later phases can point a person at the exact YAML to fix.
 */
import type { Problem } from '../errors.js';
import type { Digest, ImageName, RegistryName, Tag } from '../image/ref.js';

/** A place in a YAML file (1-based line and column, when the YAML has one). */
export interface SourcePos {
  file: string;
  line?: number;
  column?: number;
}

/** One entry of `registries:`. */
export interface RegistryEntry {
  /** `host[:port][/path]`, e.g. `us.gcr.io/k8s-artifacts-prod/foo`. */
  name: RegistryName;
  /** Whether this is the (single) source registry. */
  src: boolean;
  /** Parsed for compatibility; kpromo authenticates per host, not per manifest entry. */
  serviceAccount?: string;
  pos: SourcePos;
}

/** One entry of `images:`: an image name and its digest → tags map. */
export interface ImageEntry {
  name: ImageName;
  /** Digest → tags in file order; an empty list means tagless (copied by digest only). */
  dmap: Map<Digest, Tag[]>;
  pos: SourcePos;
  /** Where each digest key is written, for messages about one digest or tag. */
  digestPos: Map<Digest, SourcePos>;
  /** Where each tag is written, by digest (a tag of a block list sits on its own line). */
  tagPos?: Map<Digest, Map<Tag, SourcePos>>;
}

/** A promoter manifest, plain or thin (thin: registries and images come from two files). */
export interface PromoterManifest {
  /** The manifest file (`--manifest`, or `manifests/<p>/promoter-manifest.yaml`). */
  file: string;
  /** For a thin manifest, the `images/<p>/images.yaml` the images came from. */
  imagesFile?: string;
  registries: RegistryEntry[];
  images: ImageEntry[];
}

/** Where manifests come from: the two upstream flags (`manifest` wins when both are set). */
export interface ManifestSource {
  manifest?: string;
  thinManifestDir?: string;
}

/** The result of loading: manifests in a stable order plus non-fatal warnings. */
export interface LoadedManifests {
  manifests: PromoterManifest[];
  warnings: Problem[];
}

/** The source registry of a validated manifest (validation guarantees exactly one). */
export function sourceRegistry(m: PromoterManifest): RegistryEntry | undefined {
  return m.registries.find((r) => r.src);
}

/** A Problem located at `pos`. */
export function problemAt(pos: SourcePos, message: string): Problem {
  return { file: pos.file, line: pos.line, column: pos.column, message };
}

/** Longest value quoted whole in a message; longer ones are cut, with their length. */
const MAX_QUOTED = 200;

/** A value quoted for a message (JSON string), cut after MAX_QUOTED characters with its length. */
export function quote(s: string): string {
  if (s.length <= MAX_QUOTED) return JSON.stringify(s);
  return `${JSON.stringify(s.slice(0, MAX_QUOTED))}… (${s.length} characters)`;
}
