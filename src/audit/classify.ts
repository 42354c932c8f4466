/**
 * Classifies one registry event against the declared repositories. Pure: what the classifier
 * cannot know from the event and the manifests (what an untagged, undeclared manifest is) the
 * service looks up and passes back in as `resolved`.
 */
import { MANIFEST_ACCEPT } from '../registry/types.js';
import { findDeclared, isAttachmentTag, type Declared } from './declared.js';
import type { RegistryEvent } from './events.js';
import type { Digest } from '../image/ref.js';

/** Alerts, by kind. */
export const ALERT_KINDS = ['unexpected-digest', 'unexpected-tag', 'tag-moved', 'declared-deleted'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** What an untagged, undeclared manifest turned out to be, as the service read it. */
export interface Resolved {
  /** A referrer (it has a `subject`): a signature, attestation or SBOM attached to an image. */
  attachment?: boolean;
  /** A child manifest of a declared index (kpromo copies those by digest). */
  childOfDeclared?: boolean;
}

/** The verdict on one event. */
export type Classification =
  | { verdict: 'ignored'; reason: string }
  | { verdict: 'expected' }
  /** An untagged push of an undeclared digest: classify again with `resolved`. */
  | { verdict: 'resolve'; digest: Digest }
  | { verdict: 'alert'; kind: AlertKind; message: string; expected?: Digest };

const MANIFEST_TYPES = new Set(MANIFEST_ACCEPT);

/** Classifies `e` against `declared`. */
export function classifyEvent(e: RegistryEvent, declared: Declared, resolved?: Resolved): Classification {
  if (e.action === 'pull') return { verdict: 'ignored', reason: 'pull' };
  if (e.action === 'other') return { verdict: 'ignored', reason: 'action' };
  if (e.mediaType !== undefined && !MANIFEST_TYPES.has(e.mediaType)) return { verdict: 'ignored', reason: 'not a manifest' };
  if (e.tag !== undefined && isAttachmentTag(e.tag)) return { verdict: 'ignored', reason: 'attachment tag' };
  const repo = findDeclared(declared, e.host, e.repository);
  if (!repo) return { verdict: 'ignored', reason: 'repository not promoted' };
  const where = `${e.host ? `${e.host}/` : ''}${e.repository}`;
  const want = e.tag !== undefined ? repo.tags.get(e.tag) : undefined;

  if (e.action === 'delete') {
    if (e.tag !== undefined && want !== undefined) return alert('declared-deleted', `declared tag ${where}:${e.tag} deleted (declared ${want})`);
    if (e.digest !== undefined && repo.digests.has(e.digest)) return alert('declared-deleted', `declared image ${where}@${e.digest} deleted`);
    return { verdict: 'ignored', reason: 'delete of undeclared content' };
  }

  if (e.tag !== undefined) {
    if (want !== undefined) {
      if (e.digest === undefined || e.digest === want) return { verdict: 'expected' };
      return { verdict: 'alert', kind: 'tag-moved', message: `tag ${where}:${e.tag} now names ${e.digest}, the manifests declare ${want}`, expected: want };
    }
    if (e.digest !== undefined && repo.digests.has(e.digest)) return alert('unexpected-tag', `undeclared tag ${where}:${e.tag} on declared image ${e.digest}`);
    return alert('unexpected-digest', `undeclared image ${where}:${e.tag}${e.digest ? ` (${e.digest})` : ''}`);
  }
  if (e.digest === undefined) return { verdict: 'ignored', reason: 'neither tag nor digest' };
  if (repo.digests.has(e.digest)) return { verdict: 'expected' };
  if (!resolved) return { verdict: 'resolve', digest: e.digest };
  if (resolved.attachment) return { verdict: 'ignored', reason: 'attachment' };
  if (resolved.childOfDeclared) return { verdict: 'expected' };
  return alert('unexpected-digest', `undeclared image ${where}@${e.digest}`);
}

const alert = (kind: AlertKind, message: string): Classification => ({ verdict: 'alert', kind, message });
