/**
 * The policy phase: between validate and promote, every edge still to promote is decided
 * against the policy (promote, and sign when the run signs; an edge already present is decided
 * `sign` when the run signs, since the sign phase may sign it: a denial leaves it unsigned). A denied edge is refused like a
 * tag move: it is not written, the others go on, and the run (or the dry run) exits 1. Every
 * decision goes to the report with its rule, its principal and where the principal came from.
 */
import { KpromoError } from '../../errors.js';
import { dstRepo, sourceKey, srcRepo } from '../../plan/inventory.js';
import { indexEntries } from '../../registry/manifest-json.js';
import { isIndexMediaType } from '../../registry/types.js';
import type { Edge } from '../../plan/edge.js';
import { decideEdges, type EdgeDecision, type TrustFacts } from '../../policy/engine.js';
import { ImageFactsReader } from '../../policy/image-facts.js';
import { OriginIndex } from '../../policy/origin.js';
import type { Policy, PolicyAction } from '../../policy/policy.js';
import { Principals, type RequestOptions } from '../../policy/principal.js';
import type { VulnIndex } from '../../policy/vulns.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import type { PolicyRecord } from './policy-record.js';
import { sourceImageKey, type TrustRecord } from './trust.js';
import { imageAt } from './trust-targets.js';

export type { PolicyRecord };

/** Configuration of the policy phase, built once per run from the flags. */
export interface PolicyConfig {
  policy: Policy;
  request: RequestOptions;
  vulns?: VulnIndex;
  /** The run signs what it promotes: `sign` is decided too. */
  signs: boolean;
}


/** The trust phases' verdicts for an edge's source image, as attributes. */
export function trustFacts(trust: TrustRecord | undefined): ((edge: Edge) => TrustFacts | undefined) | undefined {
  if (!trust) return undefined;
  return (edge) => {
    const key = sourceImageKey(srcRepo(edge), edge.digest);
    const p = trust.provenance.get(key);
    const s = trust.signatures.get(key);
    return {
      provenance:
        p?.status === 'verified'
          ? { verified: true, builderId: p.facts.builder ?? '', sourceRepo: p.facts.sourceRepo ?? '' }
          : { verified: false, builderId: '', sourceRepo: '' },
      signature: s?.status === 'verified' ? { verified: true, identity: s.signer.identity, issuer: s.signer.issuer ?? '' } : { verified: false, identity: '', issuer: '' },
    };
  };
}

type PlannedEdge = NonNullable<PromotionState['plan']>['edges'][number];

/** An edge's image at its destination: `host/repo@digest` (as trust-targets' imageAt). */
const imageKey = (e: Edge): string => imageAt(dstRepo(e), e.digest);

/**
 * The images denied `sign` at a destination (`host/repo@digest`), and the edges to promote
 * refused with the decision refusing each: refused for any action, or, since a signature is per
 * image and not per tag, because their image is denied `sign` at that destination.
 */
function refusalsOf(todo: PlannedEdge[], decisions: EdgeDecision[], perEdge: number, presentDecisions: EdgeDecision[]): { refusals: Map<PlannedEdge, EdgeDecision>; signDenied: Map<string, EdgeDecision> } {
  const refusals = new Map<PlannedEdge, EdgeDecision>();
  for (const [i, p] of todo.entries()) {
    const refusal = decisions.slice(i * perEdge, (i + 1) * perEdge).find((d) => !d.decision.allowed);
    if (refusal) refusals.set(p, refusal);
  }
  const signDenied = new Map<string, EdgeDecision>();
  for (const d of [...refusals.values(), ...presentDecisions]) if (d.action === 'sign' && !d.decision.allowed) signDenied.set(imageKey(d.edge), d);
  for (const p of todo) {
    const d = refusals.get(p) ?? signDenied.get(imageKey(p.edge));
    if (d) refusals.set(p, d);
  }
  return { refusals, signDenied };
}

/**
 * The child digests of an edge's source index, from the source manifests the plan read for the
 * edges still to promote (no request): a report naming a platform image counts for its index.
 */
function childrenOf(state: PromotionState): (edge: Edge) => readonly string[] {
  return (edge) => {
    const m = state.inventory?.sourceManifests.get(sourceKey(srcRepo(edge), edge.digest));
    if (!m || !isIndexMediaType(m.mediaType)) return [];
    try {
      return indexEntries(m.bytes).map((c) => c.digest);
    } catch {
      return []; // not a valid index: the copy refuses it anyway
    }
  };
}

/** Builds the policy phase for `cfg`. */
export function policyPhase(cfg: PolicyConfig): Phase<PromotionState> {
  return {
    name: 'policy',
    async run(state, signal) {
      const plan = state.plan;
      if (!plan) throw new KpromoError('INTERNAL', 'policy runs after the plan phase');
      const log = state.deps.logger.child({ phase: 'policy' });
      const origins = new OriginIndex(state.manifests ?? []);
      const images = cfg.policy.reads.has('image') ? new ImageFactsReader(state.deps.registry) : undefined;
      const ctx = {
        policy: cfg.policy,
        origins,
        principals: new Principals(cfg.policy, origins, cfg.request),
        vulns: cfg.vulns,
        children: childrenOf(state),
        trust: trustFacts(state.trust),
        images,
      };
      const todo = plan.edges.filter((p) => p.decision.kind === 'promote');
      const actions: PolicyAction[] = cfg.signs ? ['promote', 'sign'] : ['promote'];
      const decisions = await decideEdges(ctx, todo.map((p) => p.edge), actions, signal);
      // What is already at its destination is signed too when its signature is missing (the sign
      // phase heals it): `sign` is decided for it as well. A denial leaves it unsigned; it was
      // promoted before, so it is not refused.
      const present = cfg.signs ? plan.edges.filter((p) => p.decision.kind === 'present') : [];
      const presentDecisions = await decideEdges(ctx, present.map((p) => p.edge), ['sign'], signal);
      const { refusals, signDenied } = refusalsOf(todo, decisions, actions.length, presentDecisions);
      for (const [p, refusal] of refusals) {
        const d = refusal.decision;
        p.decision = { kind: 'refused', reason: `policy ${d.rule}: ${d.reason} (principal ${refusal.principal || 'none'}, from ${refusal.principalFrom})`, by: 'policy' };
        log.error(`denied ${refusal.action} by ${d.rule}: ${d.reason}`, { edge: `${p.edge.dstRegistry}/${p.edge.dstImage}:${p.edge.tag ?? p.edge.digest}` });
      }
      for (const d of presentDecisions) {
        if (!d.decision.allowed) log.warn(`not signed: sign denied by ${d.decision.rule}: ${d.decision.reason}`, { edge: `${d.edge.dstRegistry}/${d.edge.dstImage}:${d.edge.tag ?? d.edge.digest}` });
      }
      const denied = refusals.size;
      decisions.push(...presentDecisions);
      state.policy = { file: cfg.policy.file, decisions, imageReads: images?.reads ?? 0, signDenied: new Set(signDenied.keys()) };
      log.info(`policy: ${todo.length - denied} edges allowed, ${denied} denied`, { allowed: todo.length - denied, denied });
    },
  };
}
