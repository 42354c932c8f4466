/**
 * `kpromo policy check`: decides, offline, the edges a git change adds (base..HEAD, as
 * --use-prow-manifest-diff scopes a run), for a presubmit. No registry is read: provenance and
 * signatures count as unverified, image facts as unknown; vulnerabilities come from --vuln-report.
 * Prints a table of decisions; exit 1 when any edge is denied.
 */
import { dirname } from 'node:path';
import { loadManifests } from '../../manifest/load.js';
import { diffBase, resolveCommit, type DiffBase } from '../../manifest/git.js';
import { loadPreviousManifests } from '../../manifest/previous.js';
import type { ManifestSource, PromoterManifest } from '../../manifest/schema.js';
import { diffManifests, filterManifests } from '../../plan/diff-manifests.js';
import { manifestsToEdges } from '../../plan/edges.js';
import { decideEdges, type EdgeDecision } from '../../policy/engine.js';
import { OriginIndex } from '../../policy/origin.js';
import type { Policy, PolicyAction } from '../../policy/policy.js';
import { Principals, type RequestOptions } from '../../policy/principal.js';
import type { VulnIndex } from '../../policy/vulns.js';

/** What `policy check` needs. */
export interface PolicyCheckOptions {
  manifests: ManifestSource;
  /** The diff base: a revision, or the upstream flags' rule. */
  base: { rev?: string; since?: string; prow?: boolean };
  policy: Policy;
  request: RequestOptions;
  vulns?: VulnIndex;
  actions: PolicyAction[];
  env: NodeJS.ProcessEnv;
}

/** The result: the base diffed against and every decision. */
export interface PolicyCheckResult {
  base: string | null;
  decisions: EdgeDecision[];
}

/** Decides the edges the change adds. */
export async function policyCheck(o: PolicyCheckOptions, signal?: AbortSignal): Promise<PolicyCheckResult> {
  const loaded = await loadManifests(o.manifests);
  const all = loaded.manifests;
  let manifests: PromoterManifest[] = [];
  let base: DiffBase = null;
  if (all.length > 0) {
    const g = { cwd: dirname(all[0]!.file), signal };
    base = o.base.rev ? { rev: await resolveCommit(o.base.rev, g) } : await diffBase({ since: o.base.since, prow: o.base.prow }, o.env, g);
    const previous = await loadPreviousManifests(all, base, { signal });
    manifests = filterManifests(all, diffManifests(previous, all));
  }
  const { edges } = manifestsToEdges(manifests);
  const origins = new OriginIndex(manifests);
  // OWNERS as they were at the base: the change's own edits to them grant nothing
  const request = { ...o.request, ownersAt: base?.rev ?? null };
  const ctx = { policy: o.policy, origins, principals: new Principals(o.policy, origins, request), vulns: o.vulns };
  return { base: base?.rev ?? null, decisions: await decideEdges(ctx, edges, o.actions, signal) };
}
