/**
 * Snapshot renderers in upstream's output formats (`RegInvImage.ToYAML` / `ToCSV`), so scripts
 * that diff kpromo snapshots keep working.
 */
import { InputError } from '../errors.js';
import { sortInventory, type ImageInventory } from './inventory.js';

/** The `--output` values kpromo accepts for snapshots. */
export const SNAPSHOT_FORMATS = ['yaml', 'csv'] as const;
/** A snapshot output format. */
export type SnapshotFormat = (typeof SNAPSHOT_FORMATS)[number];

/** Parses `--output` case-insensitively, like upstream; anything else is invalid input. */
export function parseSnapshotFormat(s: string): SnapshotFormat {
  const f = s.toLowerCase();
  if ((SNAPSHOT_FORMATS as readonly string[]).includes(f)) return f as SnapshotFormat;
  throw new InputError([{ message: `invalid snapshot output format: ${s} (use yaml or csv)` }]);
}

/**
 * images.yaml shape: `- name: N`, `  dmap:`, then `    "sha256:…": ["t1", "t2"]` or `[]` for a
 * tagless digest; quoted digests and inline quoted tags.
 */
export function toYAML(inv: ImageInventory): string {
  let out = '';
  for (const image of sortInventory(inv)) {
    out += `- name: ${image.name}\n  dmap:\n`;
    for (const { digest, tags } of image.digests) {
      out += `    ${quote(digest)}: [${tags.map(quote).join(', ')}]\n`;
    }
  }
  return out;
}

/** One line per tag, `name@digest,name:tag`, or `name@digest,-` for a tagless digest. */
export function toCSV(inv: ImageInventory): string {
  let out = '';
  for (const image of sortInventory(inv)) {
    for (const { digest, tags } of image.digests) {
      if (tags.length === 0) out += `${image.name}@${digest},-\n`;
      for (const t of tags) out += `${image.name}@${digest},${image.name}:${t}\n`;
    }
  }
  return out;
}

/** Renders `inv` in `format`. */
export function formatSnapshot(inv: ImageInventory, format: SnapshotFormat): string {
  return format === 'csv' ? toCSV(inv) : toYAML(inv);
}

/** Go's %q for the ASCII strings digests and tags are made of (JSON escaping agrees there). */
const quote = (s: string): string => JSON.stringify(s);
