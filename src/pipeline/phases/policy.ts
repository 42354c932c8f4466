/**
 * The policy phase: between validate and promote, every edge still to promote is decided
 * against the policy (promote, and sign when the run signs). A denied edge is refused like a
 * tag move: it is not written, the others go on, and the run (or the dry run) exits 1. Every
 * decision goes to the report with its rule, its principal and where the principal came from.
 */
import { KpromoError } from '../../errors.js';
import { srcRepo } from '../../plan/inventory.js';
import type { Edge } from '../../plan/edge.js';
import { decideEdges, type TrustFacts } from '../../policy/engine.js';
import { ImageFactsReader } from '../../policy/image-facts.js';
import { OriginIndex } from '../../policy/origin.js';
import type { Policy, PolicyAction } from '../../policy/policy.js';
import { Principals, type RequestOptions } from '../../policy/principal.js';
import type { VulnIndex } from '../../policy/vulns.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';
import type { PolicyRecord } from './policy-record.js';
import { sourceImageKey, type TrustRecord } from './trust.js';

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
      let denied = 0;
      for (const [i, p] of todo.entries()) {
        const refusal = decisions.slice(i * actions.length, (i + 1) * actions.length).find((d) => !d.decision.allowed);
        if (!refusal) continue;
        const d = refusal.decision;
        p.decision = { kind: 'refused', reason: `policy ${d.rule}: ${d.reason} (principal ${refusal.principal || 'none'}, from ${refusal.principalFrom})`, by: 'policy' };
        denied++;
        log.error(`denied ${refusal.action} by ${d.rule}: ${d.reason}`, { edge: `${p.edge.dstRegistry}/${p.edge.dstImage}:${p.edge.tag ?? p.edge.digest}` });
      }
      state.policy = { file: cfg.policy.file, decisions, imageReads: images?.reads ?? 0 };
      log.info(`policy: ${todo.length - denied} edges allowed, ${denied} denied`, { allowed: todo.length - denied, denied });
    },
  };
}
