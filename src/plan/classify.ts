/**
 * Classifies every edge against the inventory, as upstream's GetPromotionCandidates does, but
 * refusing only the offending edge on a tag move instead of the whole plan (k8s.io#9563). Pure.
 */
import type { Digest } from '../image/ref.js';
import type { Edge } from './edge.js';
import { dstRepo, sourceKey, srcRepo, type Inventory, type RepoState } from './inventory.js';
import { repoKey } from '../image/ref.js';

/** What the plan decided for one edge. */
export type Decision =
  /** The destination tag already points at the digest, or a tagless digest is present. */
  | { kind: 'present' }
  /** The digest is missing from the source (upstream's `_LOST_`): warned, reported, not fatal. */
  | { kind: 'lost' }
  /** The destination tag points at another digest: never overwritten, the edge is refused. */
  | { kind: 'tag-move'; current: Digest }
  /** To copy; `tagOnly` when the digest is already in the destination and only the tag is added. */
  | { kind: 'promote'; tagOnly: boolean }
  /** A repository the edge needs could not be read. */
  | { kind: 'unreadable'; error: string }
  /** Refused by a later check before the copy (provenance or signature verification). */
  | { kind: 'refused'; reason: string; by?: 'policy' };

/**
 * How a present edge is known present: a HEAD read its digest, the tag list carried its digest,
 * only its tag was listed (its digest taken on trust; see src/plan/wants.ts), or, for a tagless
 * edge, the list named an attachment of its digest (see src/plan/inventory.ts).
 */
export type Evidence = 'verified' | 'list-digest' | 'tag-listed' | 'attachment-listed';

/** One edge with its decision. */
export interface PlannedEdge {
  edge: Edge;
  decision: Decision;
  /** For a present edge: how it is known present. */
  evidence?: Evidence;
}

/** The one decision object every present edge shares (a plan holds one per edge). */
const PRESENT: Decision = Object.freeze({ kind: 'present' });

/** The plan: every edge, in input order, with its decision. */
export interface Plan {
  edges: PlannedEdge[];
}

/** Decides what to do with each edge. */
export function classify(edges: readonly Edge[], inv: Inventory): Plan {
  const repeated = repeats(edges);
  const out: PlannedEdge[] = [];
  for (let i = 0; i < edges.length; i++) {
    if (repeated[i] === 1) continue;
    const edge = edges[i]!;
    const decision = decide(edge, inv);
    out.push(decision.kind === 'present' ? { edge, decision, evidence: evidenceOf(edge, inv) } : { edge, decision });
  }
  return { edges: out };
}

const FIELDS = ['dstRegistry', 'dstImage', 'tag', 'digest', 'srcRegistry', 'srcImage'] as const;

function compareEdges(a: Edge, b: Edge): number {
  for (const f of FIELDS) {
    const x = a[f] ?? '';
    const y = b[f] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * 1 at every edge equal (same fields: same edgeKey) to an earlier one. Found by sorting indexes
 * rather than by a set of keys: at registry.k8s.io's size a key per edge is 114,000 strings
 * (20 MiB) made at the plan's peak.
 */
function repeats(edges: readonly Edge[]): Uint8Array {
  const order = new Uint32Array(edges.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((i, j) => compareEdges(edges[i]!, edges[j]!) || i - j);
  const out = new Uint8Array(edges.length);
  for (let k = 1; k < order.length; k++) if (compareEdges(edges[order[k - 1]!]!, edges[order[k]!]!) === 0) out[order[k]!] = 1;
  return out;
}

function evidenceOf(e: Edge, inv: Inventory): Evidence {
  const dst = inv.repos.get(repoKey(dstRepo(e)))!;
  const ref = e.tag ?? e.digest;
  if (e.tag !== null && !dst.tagDigests.has(e.tag)) return 'tag-listed';
  if (e.tag === null && dst.attached?.has(e.digest) === true) return 'attachment-listed';
  return dst.verified === undefined || dst.verified.has(ref) ? 'verified' : 'list-digest';
}

/**
 * The decision of every edge a failed repository read touches: one object per repository and
 * side, shared by its edges (with 20 mirrors down, 114,000 edges would each hold a copy).
 */
const unreadableDecisions = new WeakMap<RepoState, Map<string, Decision>>();
function unreadable(r: RepoState, side: 'source' | 'destination'): Decision {
  let bySide = unreadableDecisions.get(r);
  if (!bySide) unreadableDecisions.set(r, (bySide = new Map()));
  let d = bySide.get(side);
  if (!d) bySide.set(side, (d = Object.freeze({ kind: 'unreadable', error: `${side} ${r.error}` })));
  return d;
}

function decide(e: Edge, inv: Inventory): Decision {
  const dst = inv.repos.get(repoKey(dstRepo(e)));
  if (!dst) return { kind: 'unreadable', error: `destination ${repoKey(dstRepo(e))} was not read` };
  if (dst.error) return unreadable(dst, 'destination');
  if (e.tag !== null) {
    const current = dst.tagDigests.get(e.tag);
    if (current === e.digest) return PRESENT;
    if (current !== undefined) return { kind: 'tag-move', current };
    if (dst.listed && dst.tags.has(e.tag)) return PRESENT; // listed, digest not read: see wants.ts
  } else if (dst.manifests.get(e.digest) === true) {
    return PRESENT;
  }
  const src = inv.repos.get(repoKey(srcRepo(e)));
  if (src?.error) return unreadable(src, 'source');
  const inSource = src?.manifests.get(e.digest) === true || inv.sourceManifests.has(sourceKey(srcRepo(e), e.digest));
  if (!inSource) return { kind: 'lost' };
  return { kind: 'promote', tagOnly: dst.manifests.get(e.digest) === true };
}

/** Counts of decisions, for logs and the dry-run summary. */
export function planCounts(plan: Plan): Record<Decision['kind'], number> {
  const c = { present: 0, lost: 0, 'tag-move': 0, promote: 0, unreadable: 0, refused: 0 };
  for (const p of plan.edges) c[p.decision.kind]++;
  return c;
}
