/**
 * An attachment of an image: an OCI 1.1 referrer (a manifest whose `subject` is the image), or
 * one of cosign's tag-scheme images (`sha256-<hex>.sig` / `.att` / `.sbom`). Attachments form a
 * tree: a signature on an SBOM is an attachment of the SBOM.
 */
import type { Digest } from '../image/ref.js';
import type { CosignSuffix } from './filter.js';

/** One attachment as found in staging. */
export interface Attachment {
  scheme: 'referrer' | 'tag';
  /** What it is attached to. */
  subject: Digest;
  /** Its manifest's digest (the same at every destination). */
  digest: Digest;
  mediaType: string;
  artifactType?: string;
  /** Tag scheme: which cosign image, and its tag. */
  suffix?: CosignSuffix;
  tag?: string;
  /** Attachments of this attachment. */
  children: Attachment[];
}

/** The tag cosign stores the `suffix` image of `digest` under: `sha256-<hex>.<suffix>`. */
export function cosignTag(digest: Digest, suffix: CosignSuffix): string {
  return `${digest.replace(':', '-')}.${suffix}`;
}

/** What an attachment is called in messages and the report: its artifact type, or its cosign suffix. */
export function attachmentKind(a: Pick<Attachment, 'suffix' | 'artifactType' | 'mediaType'>): string {
  return a.suffix ? `.${a.suffix}` : (a.artifactType ?? a.mediaType);
}

/** What placing an attachment at a destination is: already there, to copy, or refused (with why). */
export type AttachmentDecision = { kind: 'present' } | { kind: 'copy' } | { kind: 'refused'; reason: string };

/** What the destination shows for an attachment's subject (from the run's listings). */
export interface DestinationView {
  /** The subject is at the destination (written or present; for a nested one, placed). */
  subjectReady: boolean;
  /** Digests the destination lists as referrers of the subject. */
  referrers: ReadonlySet<string>;
  /** Whether the destination's tag listing shows the tag (undefined: listing failed). */
  hasTag: (tag: string) => boolean | undefined;
}

/** Decides one attachment at one destination, like an edge (pure). */
export function classifyAttachment(a: Attachment, view: DestinationView): AttachmentDecision {
  if (!view.subjectReady) return { kind: 'refused', reason: `its subject ${a.subject} is not at the destination` };
  if (a.scheme === 'referrer') return view.referrers.has(a.digest) ? { kind: 'present' } : { kind: 'copy' };
  return view.hasTag(a.tag!) === true ? { kind: 'present' } : { kind: 'copy' };
}
