/**
 * The policy phase: between validate and promote, every edge still to promote is decided
 * against the policy (promote, and sign when the run signs; an edge already present is decided
 * `sign` when the run signs, since the sign phase signs it too). A denied edge is refused like a
 * tag move: it is not written, the others go on, and the run (or the dry run) exits 1. Every
 * decision goes to the report with its rule, its principal and where the principal came from.
 */
import { KpromoError } from '../../errors.js';
import { repoKey } from '../../image/ref.js';
import { dstRepo, srcRepo } from '../../plan/inventory.js';
import type { Edge } from '../../plan/edge.js';
import { decideEdges, type EdgeDecision, type TrustFacts } from '../../policy/engine.js';
import { ImageFactsReader } from '../../policy/image-facts.js';
import { OriginIndex } from '../../policy/origin.js';
import type { Policy, PolicyAction } from '../../policy/policy.js';
import { Principals, type RequestOptions } from '../../policy/principal.js';
import type { VulnIndex } from '../../policy/vulns.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import { sourceImageKey, type TrustRecord } from './trust.js';

/** Configuration of the policy phase, built once per run from the flags. */
export interface PolicyConfig {
  policy: Policy;
  request: RequestOptions;
  vulns?: VulnIndex;
  /** The run signs what it promotes: `sign` is decided too. */
  signs: boolean;
}

/** What the policy phase decided, for the report. */
export interface PolicyRecord {
  file: string;
  decisions: EdgeDecision[];
  /** Manifests read from the registry for `image` attributes. */
  imageReads: number;
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

/** An edge's image at its destination: `host/repo@digest`. */
const imageKey = (e: Edge): string => `${repoKey(dstRepo(e))}@${e.digest}`;

/**
 * The refused edges and the decision refusing each: an edge to promote refused for any action,
 * an edge already present refused `sign`, and, since a signature is per image and not per tag,
 * every edge of an image denied `sign` at a destination.
 */
function refusalsOf(todo: PlannedEdge[], decisions: EdgeDecision[], perEdge: number, present: PlannedEdge[], presentDecisions: EdgeDecision[]): Map<PlannedEdge, EdgeDecision> {
  const refusals = new Map<PlannedEdge, EdgeDecision>();
  for (const [i, p] of todo.entries()) {
    const refusal = decisions.slice(i * perEdge, (i + 1) * perEdge).find((d) => !d.decision.allowed);
    if (refusal) refusals.set(p, refusal);
  }
  for (const [i, p] of present.entries()) if (!presentDecisions[i]!.decision.allowed) refusals.set(p, presentDecisions[i]!);
  const signDenied = new Map<string, EdgeDecision>();
  for (const d of refusals.values()) if (d.action === 'sign') signDenied.set(imageKey(d.edge), d);
  for (const p of [...todo, ...present]) {
    const d = refusals.get(p) ?? signDenied.get(imageKey(p.edge));
    if (d) refusals.set(p, d);
  }
  return refusals;
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
      const ctx = { policy: cfg.policy, origins, principals: new Principals(cfg.policy, origins, cfg.request), vulns: cfg.vulns, trust: trustFacts(state.trust), images };
      const todo = plan.edges.filter((p) => p.decision.kind === 'promote');
      const actions: PolicyAction[] = cfg.signs ? ['promote', 'sign'] : ['promote'];
      const decisions = await decideEdges(ctx, todo.map((p) => p.edge), actions, signal);
      // What is already at its destination is signed too (the sign phase heals missing
      // signatures): `sign` is decided for it as well.
      const present = cfg.signs ? plan.edges.filter((p) => p.decision.kind === 'present') : [];
      const presentDecisions = await decideEdges(ctx, present.map((p) => p.edge), ['sign'], signal);
      const refusals = refusalsOf(todo, decisions, actions.length, present, presentDecisions);
      for (const [p, refusal] of refusals) {
        const d = refusal.decision;
        p.decision = { kind: 'refused', reason: `policy ${d.rule}: ${d.reason} (principal ${refusal.principal || 'none'}, from ${refusal.principalFrom})`, by: 'policy' };
        log.error(`denied ${refusal.action} by ${d.rule}: ${d.reason}`, { edge: `${p.edge.dstRegistry}/${p.edge.dstImage}:${p.edge.tag ?? p.edge.digest}` });
      }
      const denied = refusals.size;
      decisions.push(...presentDecisions);
      state.policy = { file: cfg.policy.file, decisions, imageReads: images?.reads ?? 0 };
      const decided = todo.length + present.length;
      log.info(`policy: ${decided - denied} edges allowed, ${denied} denied`, { allowed: decided - denied, denied });
    },
  };
}
