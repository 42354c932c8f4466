/**
 * Decides a list of edges against a policy: builds each edge's attributes (its origin, the
 * trust phases' verdicts, vulnerability counts, image facts when read, the request's principal)
 * and records one decision per (edge, action), with the principal used and where it came from.
 */
import { repoOf } from '../image/ref.js';
import type { Edge } from '../plan/edge.js';
import { emptyInput, type PolicyInput } from './attributes.js';
import { decide, denial, type PolicyDecision } from './evaluate.js';
import type { ImageFactsReader } from './image-facts.js';
import type { OriginIndex } from './origin.js';
import type { Policy, PolicyAction } from './policy.js';
import type { Principals } from './principal.js';
import { vulnsOf, type VulnIndex } from './vulns.js';

/** What the trust phases found for an edge's source image. */
export interface TrustFacts {
  provenance: PolicyInput['provenance'];
  signature: PolicyInput['signature'];
}

/** Everything a run decides with. */
export interface PolicyContext {
  policy: Policy;
  origins: OriginIndex;
  principals: Principals;
  vulns?: VulnIndex;
  /** The child digests of an edge's source image when it is an index (their reports count for it). */
  children?: (edge: Edge) => readonly string[];
  /** The trust phases' verdicts for an edge's source image, when they ran. */
  trust?: (edge: Edge) => TrustFacts | undefined;
  /** Reads image facts; only used when a condition reads `image`. */
  images?: ImageFactsReader;
}

/** One decision of the run, for the report and the printed table. */
export interface EdgeDecision {
  edge: Edge;
  action: PolicyAction;
  decision: PolicyDecision;
  principal: string;
  /** Where the principal came from (`--principal`, `git blame file:line`, …). */
  principalFrom: string;
}

/** The attributes a run does not know, shared by every input (inputs are never mutated). */
const EMPTY = emptyInput();

/** The inputs of one (edge, action): one per principal of the edge (see Principals.all). */
export async function edgeInputs(
  ctx: PolicyContext,
  edge: Edge,
  action: PolicyAction,
  signal?: AbortSignal,
  children: readonly string[] = ctx.children?.(edge) ?? [],
): Promise<{ input: PolicyInput; from: string }[]> {
  const base = EMPTY;
  const origin = ctx.origins.of(edge);
  const who = await ctx.principals.all(edge, signal, origin);
  const trust = ctx.trust?.(edge);
  const image = ctx.images && ctx.policy.reads.has('image') ? await ctx.images.of(repoOf(edge.srcRegistry, edge.srcImage), edge.digest, signal) : base.image;
  return who.map(({ request, from }) => ({
    input: {
      action,
      edge: {
        srcRegistry: edge.srcRegistry,
        srcImage: edge.srcImage,
        dstRegistry: edge.dstRegistry,
        dstImage: edge.dstImage,
        digest: edge.digest,
        tag: edge.tag ?? '',
        project: origin?.project ?? '',
      },
      image,
      provenance: trust?.provenance ?? base.provenance,
      signature: trust?.signature ?? base.signature,
      vulnerabilities: (ctx.vulns && vulnsOf(ctx.vulns, edge.digest, children)) ?? base.vulnerabilities,
      request,
    },
    from,
  }));
}

/**
 * Decides `input`; for an index, a deny rule also refuses it when it matches one of its platform
 * images (`children`) in the edge's place: they are written with the index, so a rule naming a
 * child's digest (`edge.digest == "sha256:…"`) refuses the index that carries it.
 */
function withChildren(policy: Policy, input: PolicyInput, children: readonly string[]): PolicyDecision {
  const d = decide(policy, input);
  if (!d.allowed) return d;
  for (const child of children) {
    const denied = denial(policy, { ...input, edge: { ...input.edge, digest: child } });
    if (denied) return { ...denied, reason: `${denied.reason} (platform image ${child} of this index)` };
  }
  return d;
}

/**
 * Decides every (edge, action); an edge is allowed when every one of its actions is, for every
 * principal of the edge. The decision recorded is the first refusal, else the first allowance.
 */
export async function decideEdges(ctx: PolicyContext, edges: readonly Edge[], actions: readonly PolicyAction[], signal?: AbortSignal): Promise<EdgeDecision[]> {
  const out: EdgeDecision[] = [];
  await ctx.principals.prefetch(edges, signal);
  for (const edge of edges) {
    const children = ctx.children?.(edge) ?? [];
    for (const action of actions) {
      const decided = (await edgeInputs(ctx, edge, action, signal, children)).map(({ input, from }) => ({ edge, action, decision: withChildren(ctx.policy, input, children), principal: input.request.principal, principalFrom: from }));
      out.push(decided.find((d) => !d.decision.allowed) ?? decided[0]!);
    }
  }
  return out;
}
