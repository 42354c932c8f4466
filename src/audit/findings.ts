/**
 * Drift between what the manifests declare and what the registries hold: pure, from the declared
 * repositories and what was read of them (see read.ts). One finding per disagreement.
 */
import { repoKey, type Digest } from '../image/ref.js';
import { isAttachmentTag, type Declared } from './declared.js';

/** Kinds of drift, most urgent first. */
export const FINDING_KINDS = ['unreadable', 'tag-moved', 'missing', 'unexpected-digest', 'unexpected-tag', 'unsigned', 'unattested'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** One disagreement in one destination repository. */
export interface Finding {
  kind: FindingKind;
  /** `host/repository` */
  repo: string;
  tag?: string;
  /** The digest found (unexpected, tag moved) or declared (missing, unsigned, unattested). */
  digest?: Digest;
  /** For a moved tag: the digest the manifests declare. */
  expected?: Digest;
  detail?: string;
}

/** What was read of one destination repository. */
export interface ObservedRepo {
  /** Why the repository could not be read; nothing else is judged then. */
  error?: string;
  /** Every listed tag → its digest where known (a HEAD or a list with digests). */
  tags: ReadonlyMap<string, Digest | undefined>;
  /** Declared digests → present or not (those the tags do not already answer). */
  digests: ReadonlyMap<Digest, boolean>;
  /** Declared digests that must be signed here → whether a signature is there. */
  signed?: ReadonlyMap<Digest, boolean>;
  /** Declared digests that must be attested here → whether an attestation is there. */
  attested?: ReadonlyMap<Digest, boolean>;
}

/** Every finding, in FINDING_KINDS order, then by repository and tag. */
export function driftFindings(declared: Declared, observed: ReadonlyMap<string, ObservedRepo>): Finding[] {
  const out: Finding[] = [];
  for (const [k, want] of declared) {
    const repo = repoKey(want.repo);
    const got = observed.get(k);
    if (!got || got.error) {
      out.push({ kind: 'unreadable', repo, detail: got?.error ?? 'not read' });
      continue;
    }
    const taggedDigests = new Set(want.tags.values());
    for (const [tag, d] of want.tags) {
      if (!got.tags.has(tag)) out.push({ kind: 'missing', repo, tag, digest: d });
      else {
        const actual = got.tags.get(tag);
        if (actual !== undefined && actual !== d) out.push({ kind: 'tag-moved', repo, tag, digest: actual, expected: d });
      }
    }
    for (const d of want.digests.keys()) {
      if (!taggedDigests.has(d) && got.digests.get(d) === false) out.push({ kind: 'missing', repo, digest: d });
    }
    for (const [tag, d] of got.tags) {
      if (want.tags.has(tag) || isAttachmentTag(tag)) continue;
      if (d !== undefined && want.digests.has(d)) out.push({ kind: 'unexpected-tag', repo, tag, digest: d });
      else out.push({ kind: 'unexpected-digest', repo, tag, ...(d !== undefined ? { digest: d } : {}) });
    }
    for (const [d, ok] of got.signed ?? []) if (!ok) out.push({ kind: 'unsigned', repo, digest: d });
    for (const [d, ok] of got.attested ?? []) if (!ok) out.push({ kind: 'unattested', repo, digest: d });
  }
  const rank = (f: Finding): number => FINDING_KINDS.indexOf(f.kind);
  return out.sort((a, b) => rank(a) - rank(b) || a.repo.localeCompare(b.repo) || (a.tag ?? '').localeCompare(b.tag ?? '') || (a.digest ?? '').localeCompare(b.digest ?? ''));
}

/** Finding counts by kind (kinds with none left out). */
export function countFindings(findings: readonly Finding[]): Partial<Record<FindingKind, number>> {
  const out: Partial<Record<FindingKind, number>> = {};
  for (const f of findings) out[f.kind] = (out[f.kind] ?? 0) + 1;
  return out;
}
