/**
 * Reads a policy file strictly, like a manifest: every problem with its file:line (unknown keys,
 * wrong shapes, unknown roles, CEL syntax and type errors), all reported before any request.
 */
import { readFile } from 'node:fs/promises';
import type { Pair, YAMLMap } from 'yaml';
import { InputError, errorMessage, type Problem } from '../errors.js';
import { YamlReader } from '../manifest/yaml.js';
import { problemAt } from '../manifest/schema.js';
import { ConditionError, compileCondition, type Condition } from './condition.js';
import { globMatcher } from './glob.js';
import { POLICY_ACTIONS, type Binding, type DenyRule, type Policy, type PolicyAction, type Role, type RoleRule, type Selector, type Subject } from './policy.js';

/** The apiVersion and kind a policy file declares. */
export const POLICY_API_VERSION = 'kpromo.sigs.k8s.io/v1alpha1';
export const POLICY_KIND = 'PromotionPolicy';

const SELECTOR_KEYS = ['projects', 'images', 'destinations', 'tags', 'actions', 'condition'] as const;

/** Reads and validates the policy at `file`; throws InputError with every problem. */
export async function loadPolicy(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError([{ file, message: `cannot read the policy: ${errorMessage(err)}` }]);
  }
  return parsePolicy(file, text);
}

/** Parses and validates policy text; throws InputError with every problem. */
export function parsePolicy(file: string, text: string): Policy {
  const r = YamlReader.parse(file, text);
  const policy: Policy = { file, roles: new Map(), bindings: [], deny: [], groups: new Map(), handles: new Map(), reads: new Set() };
  const reads = new Set<string>();
  const top = r.unreadable ? undefined : r.map(r.doc.contents, 'the policy', { file, line: 1 });
  if (top) {
    const f = r.fields(top, 'the policy', ['apiVersion', 'kind', 'groups', 'handles', 'roles', 'bindings', 'deny']);
    const apiVersion = r.text(f.get('apiVersion')?.value, 'apiVersion');
    if (apiVersion !== POLICY_API_VERSION) r.fail(f.get('apiVersion')?.value ?? top, `apiVersion must be ${POLICY_API_VERSION}`);
    const kind = r.text(f.get('kind')?.value, 'kind');
    if (kind !== POLICY_KIND) r.fail(f.get('kind')?.value ?? top, `kind must be ${POLICY_KIND}`);
    for (const [name, members] of stringMap(r, f.get('groups'), 'groups')) {
      policy.groups.set(name, new Set(strings(r, members, `groups.${name}`)?.map((s) => s.toLowerCase())));
    }
    for (const [email, handle] of stringMap(r, f.get('handles'), 'handles')) {
      const h = r.text(handle, `handles.${email}`);
      if (h) policy.handles.set(email.toLowerCase(), h.toLowerCase());
    }
    for (const node of r.seq(f.get('roles')?.value, 'roles')?.items ?? []) {
      const role = readRole(r, node, reads);
      if (!role) continue;
      if (policy.roles.has(role.name)) r.fail(node, `role ${JSON.stringify(role.name)} is defined twice`);
      policy.roles.set(role.name, role);
    }
    for (const node of r.seq(f.get('bindings')?.value, 'bindings')?.items ?? []) {
      const b = readBinding(r, node, policy.bindings.length);
      if (!b) continue;
      if (!policy.roles.has(b.role)) r.fail(node, `binding ${JSON.stringify(b.name)} names role ${JSON.stringify(b.role)}, which is not defined`);
      policy.bindings.push(b);
    }
    for (const node of r.seq(f.get('deny')?.value, 'deny')?.items ?? []) {
      const d = readDeny(r, node, policy.deny.length, reads);
      if (d) policy.deny.push(d);
    }
  }
  if (r.problems.length) throw new InputError(r.problems, `invalid policy ${file}`);
  return { ...policy, reads };
}

function stringMap(r: YamlReader, pair: Pair<unknown, unknown> | undefined, what: string): [string, unknown][] {
  const m = r.map(pair?.value, what);
  if (!m) return [];
  return m.items.map((p) => [String((p.key as { value?: unknown })?.value ?? ''), p.value]);
}

function strings(r: YamlReader, node: unknown, what: string): string[] | undefined {
  const s = r.seq(node, what);
  if (!s) return undefined;
  return s.items.map((x) => r.text(x, `an entry of ${what}`)).filter((x): x is string => x !== undefined);
}

function readSelector(r: YamlReader, f: Map<string, Pair<unknown, unknown>>, what: string, reads: Set<string>): Selector & { condition?: Condition } {
  const list = (k: string): string[] | undefined => (f.has(k) ? (strings(r, f.get(k)!.value, `${what}.${k}`) ?? []) : undefined);
  const actions = new Set<PolicyAction>();
  for (const a of list('actions') ?? POLICY_ACTIONS) {
    if ((POLICY_ACTIONS as readonly string[]).includes(a)) actions.add(a as PolicyAction);
    else r.fail(f.get('actions')!.value, `${what}.actions: unknown action ${JSON.stringify(a)} (allowed: ${POLICY_ACTIONS.join(', ')})`);
  }
  const sel = {
    projects: globMatcher(list('projects')),
    images: globMatcher(list('images')),
    destinations: globMatcher(list('destinations')),
    tags: globMatcher(list('tags')),
    actions,
  };
  const cnode = f.get('condition')?.value;
  const source = r.text(cnode, `${what}.condition`);
  if (source === undefined) return sel;
  try {
    const condition = compileCondition(source);
    for (const g of condition.groups) reads.add(g);
    return { ...sel, condition };
  } catch (err) {
    if (!(err instanceof ConditionError)) throw err;
    const at = r.pos(cnode);
    // a block scalar's text starts on the line after its indicator; a quoted one one column in
    const type = String((cnode as { type?: string }).type ?? '');
    const block = type.startsWith('BLOCK') ? 1 : 0;
    const quoted = type.startsWith('QUOTE') ? 1 : 0;
    const line = (at.line ?? 1) + block + err.line - 1;
    r.problems.push(problemAt({ file: at.file, line, column: err.line === 1 && !block ? (at.column ?? 1) + quoted + err.column - 1 : err.column }, `${what}.condition: ${err.message}`));
    return sel;
  }
}

function readRole(r: YamlReader, node: unknown, reads: Set<string>): Role | undefined {
  const m = r.map(node, 'a role');
  if (!m) return undefined;
  const f = r.fields(m, 'a role', ['name', 'rules']);
  const name = r.text(f.get('name')?.value, 'role name');
  if (!name) return void r.fail(m, 'a role needs a name');
  const rules: RoleRule[] = [];
  for (const [i, rn] of (r.seq(f.get('rules')?.value, `role ${name} rules`)?.items ?? []).entries()) {
    const rm = r.map(rn, `role ${name} rule`);
    if (!rm) continue;
    const rf = r.fields(rm, `a rule of role ${name}`, ['name', ...SELECTOR_KEYS]);
    const ruleName = r.text(rf.get('name')?.value, 'rule name');
    const id = ruleName ? `${name}/${ruleName}` : `${name}[${i}]`;
    rules.push({ id, ...readSelector(r, rf, `role ${id}`, reads), pos: r.pos(rm) });
  }
  return { name, rules };
}

function readBinding(r: YamlReader, node: unknown, index: number): Binding | undefined {
  const m = r.map(node, 'a binding');
  if (!m) return undefined;
  const f = r.fields(m, 'a binding', ['name', 'role', 'subjects']);
  const role = r.text(f.get('role')?.value, 'binding role');
  const name = r.text(f.get('name')?.value, 'binding name') ?? `bindings[${index}]`;
  if (!role) return void r.fail(m, `binding ${name} needs a role`);
  const subjects: Subject[] = [];
  for (const sn of r.seq(f.get('subjects')?.value, `binding ${name} subjects`)?.items ?? []) {
    const s = readSubject(r, sn as YAMLMap, name);
    if (s) subjects.push(s);
  }
  return { name, role, subjects };
}

function readSubject(r: YamlReader, node: unknown, binding: string): Subject | undefined {
  const m = r.map(node, `a subject of binding ${binding}`);
  if (!m) return undefined;
  const f = r.fields(m, `a subject of binding ${binding}`, ['kind', 'name', 'issuer', 'subject']);
  const kind = r.text(f.get('kind')?.value, 'subject kind');
  const need = (k: string): string | undefined => {
    const v = r.text(f.get(k)?.value, `subject ${k}`);
    if (!v) r.fail(m, `a ${kind} subject needs ${k}`);
    return v;
  };
  if (kind === 'User' || kind === 'Group') {
    const name = need('name');
    if (f.has('issuer') || f.has('subject')) r.fail(m, `a ${kind} subject has only a name`);
    return name ? { kind, name: kind === 'User' ? name.toLowerCase() : name } : undefined;
  }
  if (kind === 'WorkloadIdentity') {
    const issuer = need('issuer');
    const subject = need('subject');
    if (f.has('name')) r.fail(m, 'a WorkloadIdentity subject has an issuer and a subject, not a name');
    return issuer && subject ? { kind, issuer, subject: globMatcher([subject]), subjectText: subject } : undefined;
  }
  r.fail(f.get('kind')?.value ?? m, `subject kind must be User, Group or WorkloadIdentity, found ${JSON.stringify(kind ?? '')}`);
  return undefined;
}

function readDeny(r: YamlReader, node: unknown, index: number, reads: Set<string>): DenyRule | undefined {
  const m = r.map(node, 'a deny rule');
  if (!m) return undefined;
  const f = r.fields(m, 'a deny rule', ['name', 'reason', ...SELECTOR_KEYS]);
  const name = r.text(f.get('name')?.value, 'deny rule name');
  const id = `deny/${name ?? index}`;
  const reason = r.text(f.get('reason')?.value, 'deny reason');
  if (!reason) r.fail(m, `deny rule ${id} needs a reason`);
  return { id, reason: reason ?? '', ...readSelector(r, f, id, reads), pos: r.pos(m) };
}

/** The problems of a policy file, or [] when valid (for `kpromo policy validate`). */
export async function policyProblems(file: string): Promise<readonly Problem[]> {
  try {
    await loadPolicy(file);
    return [];
  } catch (err) {
    if (err instanceof InputError) return err.problems;
    throw err;
  }
}
