/**
 * Scanner-agnostic vulnerability reports (`--vuln-report DIR`): Trivy JSON, Grype JSON, or an
 * in-toto statement with cosign's vuln predicate (`https://cosign.sigstore.dev/attestation/vuln/v1`,
 * whose `scanner.result` holds either). Each becomes counts by severity for the digests it covers.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, errorMessage, type Problem } from '../errors.js';
import type { PolicyInput } from './attributes.js';

/** Counts by severity of one digest. */
export type VulnCounts = PolicyInput['vulnerabilities'];

/** Digest → counts (several reports of one digest: the highest count of each severity). */
export type VulnIndex = ReadonlyMap<string, VulnCounts>;

export const COSIGN_VULN_PREDICATE = 'https://cosign.sigstore.dev/attestation/vuln/v1';

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

const DIGEST = /sha256:[0-9a-f]{64}/g;

function count(severities: readonly unknown[]): VulnCounts {
  const c: VulnCounts = { known: true, critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
  for (const s of severities) {
    const k = String(s).toLowerCase();
    if ((SEVERITIES as readonly string[]).includes(k)) c[k as (typeof SEVERITIES)[number]]++;
    else c.unknown++;
  }
  return c;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Reads one report document: its digests and counts, or undefined when the shape is unknown. */
export function parseVulnReport(doc: Json, subjectDigests: string[] = []): { digests: string[]; counts: VulnCounts } | undefined {
  if (doc?.predicateType === COSIGN_VULN_PREDICATE || doc?.predicate?.scanner) {
    const subjects = ((doc.subject ?? []) as Json[]).map((s) => (s?.digest?.sha256 ? `sha256:${s.digest.sha256}` : '')).filter(Boolean);
    return parseVulnReport(doc.predicate?.scanner?.result ?? {}, subjects);
  }
  if (Array.isArray(doc?.Results) || doc?.SchemaVersion !== undefined) {
    const sev = ((doc.Results ?? []) as Json[]).flatMap((r) => ((r?.Vulnerabilities ?? []) as Json[]).map((v) => v?.Severity));
    const digests = [...subjectDigests, ...JSON.stringify(doc.Metadata?.RepoDigests ?? []).matchAll(DIGEST)].map(String);
    return { digests, counts: count(sev) };
  }
  if (Array.isArray(doc?.matches)) {
    const sev = (doc.matches as Json[]).map((m) => m?.vulnerability?.severity);
    const target = doc.source?.target ?? {};
    const digests = [...subjectDigests, ...JSON.stringify([target.manifestDigest ?? '', target.repoDigests ?? []]).matchAll(DIGEST)].map(String);
    return { digests, counts: count(sev) };
  }
  return undefined;
}

/** Reads every `*.json` in `dir`; an unreadable file or an unknown shape is an input error. */
export async function loadVulnReports(dir: string): Promise<VulnIndex> {
  const out = new Map<string, VulnCounts>();
  const problems: Problem[] = [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new InputError([{ file: dir, message: `cannot read --vuln-report: ${errorMessage(err)}` }]);
  }
  for (const name of names) {
    const file = join(dir, name);
    try {
      const parsed = parseVulnReport(JSON.parse(await readFile(file, 'utf8')) as Json);
      if (!parsed) problems.push({ file, message: 'not a Trivy or Grype JSON report, nor a cosign vuln attestation' });
      else if (parsed.digests.length === 0) problems.push({ file, message: 'the report names no image digest (RepoDigests, manifestDigest or subject)' });
      else for (const d of parsed.digests) out.set(d, merge(out.get(d), parsed.counts));
    } catch (err) {
      problems.push({ file, message: `cannot read the report: ${errorMessage(err)}` });
    }
  }
  if (problems.length) throw new InputError(problems, 'invalid --vuln-report');
  return out;
}

/**
 * The counts of an image: the worst of its own reports and those of `children` (an index's
 * platform images, which scanners report by their own digests); undefined when none covers it.
 */
export function vulnsOf(index: VulnIndex, digest: string, children: readonly string[] = []): VulnCounts | undefined {
  let out = index.get(digest);
  for (const c of children) {
    const counts = index.get(c);
    if (counts) out = merge(out, counts);
  }
  return out;
}

function merge(a: VulnCounts | undefined, b: VulnCounts): VulnCounts {
  if (!a) return b;
  return { known: true, critical: Math.max(a.critical, b.critical), high: Math.max(a.high, b.high), medium: Math.max(a.medium, b.medium), low: Math.max(a.low, b.low), unknown: Math.max(a.unknown, b.unknown) };
}

/**
 * Findings at or above upstream's --vuln-severity-threshold N (Grafeas severities: 1 MINIMAL —
 * here unknown or negligible —, 2 LOW, 3 MEDIUM, 4 HIGH, 5 CRITICAL); N ≤ 0 gates nothing.
 */
export function countAtOrAbove(c: VulnCounts, threshold: number): number {
  if (threshold <= 0) return 0;
  const bySeverity = [0, c.unknown, c.low, c.medium, c.high, c.critical];
  return bySeverity.slice(threshold).reduce((a, b) => a + b, 0);
}
