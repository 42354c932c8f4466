/**
 * A promotion policy as loaded (Role/Binding style): roles grant actions on selected edges under
 * conditions, bindings give roles to subjects, deny rules refuse whatever they match. Default deny.
 */
import type { SourcePos } from '../manifest/schema.js';
import type { Condition } from './condition.js';
import type { Matcher } from './glob.js';

/** The actions a rule grants or a deny rule refuses. */
export type PolicyAction = 'promote' | 'sign';
export const POLICY_ACTIONS: readonly PolicyAction[] = ['promote', 'sign'];

/** Which edges a rule applies to: globs over the project, image, destination registry and tag. */
export interface Selector {
  projects: Matcher;
  images: Matcher;
  destinations: Matcher;
  tags: Matcher;
  actions: ReadonlySet<PolicyAction>;
}

/** One rule of a role: a selector and an optional condition. */
export interface RoleRule extends Selector {
  /** `<role>[<index>]` or `<role>/<name>`: how decisions name it. */
  id: string;
  condition?: Condition;
  pos: SourcePos;
}

/** A role: named rules. */
export interface Role {
  name: string;
  rules: RoleRule[];
}

/** Who a binding gives its role to. */
export type Subject =
  | { kind: 'User'; name: string }
  | { kind: 'Group'; name: string }
  | { kind: 'WorkloadIdentity'; issuer: string; subject: Matcher; subjectText: string };

/** A binding of one role to subjects. */
export interface Binding {
  name: string;
  role: string;
  subjects: Subject[];
}

/** An explicit deny rule: refuses every edge its selector and condition match, with `reason`. */
export interface DenyRule extends Selector {
  id: string;
  reason: string;
  condition?: Condition;
  pos: SourcePos;
}

/** A loaded, validated policy. */
export interface Policy {
  file: string;
  roles: Map<string, Role>;
  bindings: Binding[];
  deny: DenyRule[];
  /** Group name → member emails (the policy's `groups:`). */
  groups: Map<string, Set<string>>;
  /** Email → code-host handle, to match OWNERS entries (the policy's `handles:`). */
  handles: Map<string, string>;
  /** Without a policy file (only built-in deny rules): what no deny rule refuses is allowed. */
  defaultAllow?: boolean;
  /** Whether any condition reads attributes of this group (e.g. `image`, which needs registry reads). */
  reads: ReadonlySet<string>;
}
