/**
 * Which attachments travel with their subject (`--copy-referrers all|none|TYPE…`): every one,
 * none, or those whose artifact type or media type is listed. cosign's tag-scheme attachments
 * are matched by their suffix (`sig`, `att`, `sbom`) or by the media type cosign gives their
 * layers (COSIGN_TAG_TYPES).
 */
import { InputError } from '../errors.js';

/** The attachments to copy: all, none, or those of the listed types. */
export type ReferrerFilter = { kind: 'all' } | { kind: 'none' } | { kind: 'types'; types: ReadonlySet<string> };

/** The default: every attachment travels. */
export const ALL_REFERRERS: ReferrerFilter = { kind: 'all' };

/** The suffixes of cosign's tag-scheme attachments, and the layer media type each carries. */
export const COSIGN_TAG_TYPES = {
  sig: 'application/vnd.dev.cosign.simplesigning.v1+json',
  att: 'application/vnd.dsse.envelope.v1+json',
  sbom: 'application/vnd.dev.cosign.sbom',
} as const;

/** A cosign tag-scheme suffix. */
export type CosignSuffix = keyof typeof COSIGN_TAG_TYPES;

/** Every cosign tag-scheme suffix: `sig`, `att`, `sbom`. */
export const COSIGN_SUFFIXES = Object.keys(COSIGN_TAG_TYPES) as CosignSuffix[];

/** Parses the flag's values (repeated or comma-separated): `all`, `none`, or types. InputError on a mix. */
export function parseReferrerFilter(values: readonly string[]): ReferrerFilter {
  const items = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (items.length === 0 || (items.length === 1 && items[0] === 'all')) return ALL_REFERRERS;
  if (items.length === 1 && items[0] === 'none') return { kind: 'none' };
  if (items.includes('all') || items.includes('none')) {
    throw new InputError([{ message: `--copy-referrers takes all, none, or a list of types, not ${JSON.stringify(items.join(','))}` }]);
  }
  return { kind: 'types', types: new Set(items) };
}

/** What an attachment is known as: its artifact type and manifest media type, or its cosign suffix. */
export interface AttachmentType {
  artifactType?: string;
  mediaType?: string;
  suffix?: CosignSuffix;
}

/** Whether `filter` lets an attachment of type `t` travel. */
export function wanted(filter: ReferrerFilter, t: AttachmentType): boolean {
  if (filter.kind !== 'types') return filter.kind === 'all';
  const names = [t.artifactType, t.mediaType, t.suffix, t.suffix ? COSIGN_TAG_TYPES[t.suffix] : undefined];
  return names.some((n) => n !== undefined && filter.types.has(n));
}
