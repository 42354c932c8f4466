/**
 * What keeps a report bounded by the change when a whole registry fails: edges whose error has a
 * registry-wide cause (unreachable, unauthorized, a bad certificate, a paused host; see
 * src/plan/failure-causes.ts) are listed up to LISTED_PER_CAUSE per cause and outcome, and the
 * rest are counted under `omitted`. With 20 mirrors down, a registry.k8s.io-size report lists
 * 20 × 20 edges instead of 114,200 (62 MB). Per-image failures are always listed, and
 * `--report-detail all` lists every edge.
 */
import type { Edge } from '../plan/edge.js';
import { causeOf, isRegistryWide, type CauseKind } from '../plan/failure-causes.js';
import { failureHost } from '../plan/format.js';

/** Edges listed per registry-wide cause (and outcome) before the rest are only counted. */
export const LISTED_PER_CAUSE = 20;

/** Edges left out of `outcomes`, per cause. */
export interface OmittedEdges {
  outcome: string;
  kind: CauseKind;
  host?: string;
  reason: string;
  /** Edges with this cause left out (besides the LISTED_PER_CAUSE listed). */
  edges: number;
}

/** Decides, edge by edge, which failures to list. */
export class FailureCap {
  private readonly groups = new Map<string, { listed: number; omitted: OmittedEdges }>();

  /** Whether to list `edge` with `outcome` and `error`; false counts it as omitted. */
  list(edge: Edge, outcome: string, error: string | undefined): boolean {
    if (!error) return true;
    const c = causeOf(error, failureHost(edge, error));
    if (!isRegistryWide(c)) return true;
    const key = `${outcome}\u0000${c.kind}\u0000${c.host ?? ''}\u0000${c.reason}`;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { listed: 0, omitted: { outcome, kind: c.kind, ...(c.host ? { host: c.host } : {}), reason: c.reason, edges: 0 } }));
    if (g.listed < LISTED_PER_CAUSE) {
      g.listed++;
      return true;
    }
    g.omitted.edges++;
    return false;
  }

  /** The causes that left edges out, largest first; empty when every edge was listed. */
  omitted(): OmittedEdges[] {
    return [...this.groups.values()].map((g) => g.omitted).filter((o) => o.edges > 0).sort((a, b) => b.edges - a.edges);
  }
}
