/**
 * The decision for one (edge, action): deny rules first (any match refuses, with its reason),
 * then the roles bound to the request's subjects (the first rule that matches allows), else
 * default deny. Pure: the input holds every attribute the conditions read.
 */
import type { PolicyInput } from './attributes.js';
import { toActivation, type CelActivation } from './activation.js';
import type { Condition } from './condition.js';
import type { Binding, Policy, RoleRule, Selector, Subject } from './policy.js';

/** What the policy decided, and which rule decided it. */
export interface PolicyDecision {
  allowed: boolean;
  /** `deny/<name>`, `<role>/<rule>` (with `via` the binding), or `default-deny`. */
  rule: string;
  /** Why, as a sentence (a deny rule's reason; what allowed it). */
  reason: string;
  /** The binding and subject that granted the allowing rule. */
  via?: string;
  /** Conditions that failed to evaluate (they count as not matching). */
  errors?: string[];
}

/** The id of the decision made when nothing allows an edge. */
export const DEFAULT_DENY = 'default-deny';

function selects(s: Selector, input: PolicyInput): boolean {
  return (
    s.actions.has(input.action) &&
    s.projects(input.edge.project) &&
    s.images(input.edge.srcImage) &&
    s.destinations(input.edge.dstRegistry) &&
    s.tags(input.edge.tag)
  );
}

function subjectMatches(s: Subject, input: PolicyInput): string | undefined {
  const req = input.request;
  switch (s.kind) {
    case 'User':
      return req.principal !== '' && req.principal.toLowerCase() === s.name ? `user ${s.name}` : undefined;
    case 'Group':
      return req.groups.includes(s.name) ? `group ${s.name}` : undefined;
    case 'WorkloadIdentity':
      return req.runnerIssuer === s.issuer && s.subject(req.runnerSubject) ? `workload ${s.issuer} ${req.runnerSubject}` : undefined;
  }
}

/** One decision's evaluation state: its activation (built at most once) and condition errors. */
class Evaluation {
  private activation: CelActivation | undefined;
  readonly errors: string[] = [];
  constructor(readonly input: PolicyInput) {}

  /** Whether `rule`'s condition holds (no condition: it does), or the error that stopped it. */
  test(rule: { id: string; condition?: Condition }): boolean | string {
    if (!rule.condition) return true;
    const r = rule.condition.evaluate(this.input, () => (this.activation ??= toActivation(this.input)));
    if (typeof r === 'string') this.errors.push(`${rule.id}: ${r}`);
    return r;
  }

  /** Whether `rule`'s condition holds; one that errors does not (an allow rule never allows on an error). */
  holds(rule: { id: string; condition?: Condition }): boolean {
    return this.test(rule) === true;
  }

  done(d: PolicyDecision): PolicyDecision {
    return this.errors.length ? { ...d, errors: this.errors } : d;
  }
}

/** The first deny rule refusing `input`, or undefined. */
function denialIn(policy: Policy, ev: Evaluation): PolicyDecision | undefined {
  for (const d of policy.deny) {
    if (!selects(d, ev.input)) continue;
    // fail closed: a deny rule whose condition cannot be evaluated denies
    const r = ev.test(d);
    if (r === true) return ev.done({ allowed: false, rule: d.id, reason: d.reason });
    if (typeof r === 'string') return ev.done({ allowed: false, rule: d.id, reason: `${d.reason} (its condition could not be evaluated, so it denies: ${r})` });
  }
  return undefined;
}

/** The decision of the first deny rule refusing `input`, or undefined when none does. */
export function denial(policy: Policy, input: PolicyInput): PolicyDecision | undefined {
  return denialIn(policy, new Evaluation(input));
}

/** Decides `input` against `policy`. */
export function decide(policy: Policy, input: PolicyInput): PolicyDecision {
  const ev = new Evaluation(input);
  const denied = denialIn(policy, ev);
  if (denied) return denied;
  for (const b of policy.bindings) {
    const who = firstSubject(b, input);
    if (!who) continue;
    const role = policy.roles.get(b.role);
    for (const rule of role?.rules ?? []) {
      if (selects(rule, input) && ev.holds(rule)) return ev.done(allow(rule, b, who));
    }
  }
  if (policy.defaultAllow) return ev.done({ allowed: true, rule: 'no-policy', reason: 'no --policy given and no built-in deny rule matched' });
  const who = input.request.principal || 'no principal';
  return ev.done({ allowed: false, rule: DEFAULT_DENY, reason: `no role bound to ${who} allows ${input.action} of this edge` });
}

function firstSubject(b: Binding, input: PolicyInput): string | undefined {
  for (const s of b.subjects) {
    const m = subjectMatches(s, input);
    if (m) return m;
  }
  return undefined;
}

function allow(rule: RoleRule, b: Binding, who: string): PolicyDecision {
  return { allowed: true, rule: rule.id, reason: `allowed by ${rule.id} (binding ${b.name}, ${who})`, via: `${b.name}: ${who}` };
}
