/**
 * Table tests of a policy (`kpromo policy test POLICY CASES`, as `opa test`): each case gives
 * attributes (merged over defaults: unverified, no findings, nobody) and the expected decision.
 */
import { readFile } from 'node:fs/promises';
import { isMap } from 'yaml';
import { InputError, errorMessage, type Problem } from '../errors.js';
import { YamlReader } from '../manifest/yaml.js';
import { attrSpec, emptyInput, isAttrGroup, type PolicyInput } from './attributes.js';
import { decide, type PolicyDecision } from './evaluate.js';
import { groupsOf } from './groups.js';
import type { Policy } from './policy.js';

/** One case: a name, its input and what the policy should decide. */
export interface PolicyCase {
  name: string;
  input: PolicyInput;
  expect: 'allow' | 'deny';
  /** The rule expected to decide, when given. */
  rule?: string;
  line?: number;
}

/** A case's result. */
export interface CaseResult {
  case: PolicyCase;
  decision: PolicyDecision;
  pass: boolean;
}

/** The edge of a case that gives none. */
const DEFAULT_EDGE: PolicyInput['edge'] = { srcRegistry: '', srcImage: '', dstRegistry: '', dstImage: '', digest: '', tag: '', project: '' };

/** Reads a cases file: `cases: [{name, input: {edge: {…}, request: {…}, …}, expect: allow|deny, rule?}]`. */
export async function loadCases(file: string): Promise<PolicyCase[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError([{ file, message: `cannot read the cases: ${errorMessage(err)}` }]);
  }
  const r = YamlReader.parse(file, text);
  const out: PolicyCase[] = [];
  const top = r.unreadable ? undefined : r.map(r.doc.contents, 'the cases file', { file, line: 1 });
  const seq = top ? r.seq(r.fields(top, 'the cases file', ['cases']).get('cases')?.value, 'cases') : undefined;
  for (const node of seq?.items ?? []) {
    const m = r.map(node, 'a case');
    if (!m) continue;
    const f = r.fields(m, 'a case', ['name', 'input', 'expect', 'rule']);
    const name = r.text(f.get('name')?.value, 'case name') ?? `case ${out.length + 1}`;
    const expect = r.text(f.get('expect')?.value, 'expect');
    if (expect !== 'allow' && expect !== 'deny') r.fail(f.get('expect')?.value ?? m, `case ${JSON.stringify(name)}: expect must be allow or deny`);
    const input = readInput(r, f.get('input')?.value, name);
    const rule = r.text(f.get('rule')?.value, 'rule');
    out.push({ name, input, expect: expect === 'allow' ? 'allow' : 'deny', ...(rule ? { rule } : {}), line: r.pos(m).line });
  }
  if (r.problems.length) throw new InputError(r.problems, `invalid cases ${file}`);
  return out;
}

function readInput(r: YamlReader, node: unknown, name: string): PolicyInput {
  const input: PolicyInput = { action: 'promote', edge: { ...DEFAULT_EDGE }, ...structuredClone(emptyInput()) };
  const m = r.map(node, `case ${name} input`);
  for (const pair of m?.items ?? []) {
    const group = String((pair.key as { value?: unknown }).value);
    if (group === 'action') {
      const a = r.text(pair.value, 'action');
      if (a === 'promote' || a === 'sign') input.action = a;
      else r.fail(pair.value, `case ${name}: action must be promote or sign`);
      continue;
    }
    if (!isAttrGroup(group)) {
      r.fail(pair.key, `case ${name}: unknown attribute group ${JSON.stringify(group)}`);
      continue;
    }
    if (!isMap(pair.value)) {
      r.fail(pair.value, `case ${name}: ${group} must be a mapping`);
      continue;
    }
    const target = input[group] as unknown as Record<string, unknown>;
    for (const fp of pair.value.items) {
      const field = String((fp.key as { value?: unknown }).value);
      const spec = attrSpec(group, field);
      if (!spec) {
        r.fail(fp.key, `case ${name}: unknown attribute ${group}.${field}`);
        continue;
      }
      const v = (fp.value as { toJSON?: () => unknown })?.toJSON?.() ?? (fp.value as { value?: unknown })?.value;
      const ok =
        spec.type === 'list<string>' ? Array.isArray(v) && v.every((x) => typeof x === 'string') : spec.type === 'int' ? Number.isInteger(v) : typeof v === (spec.type === 'bool' ? 'boolean' : spec.type);
      if (!ok) r.fail(fp.value, `case ${name}: ${group}.${field} must be ${spec.type}`);
      else target[field] = v;
    }
  }
  if (input.edge.dstImage === '') input.edge.dstImage = input.edge.srcImage;
  return input;
}

/** Runs `cases` against `policy`; a case's groups are completed as in a run (policy `groups:`). */
export function runCases(policy: Policy, cases: readonly PolicyCase[]): CaseResult[] {
  return cases.map((c) => {
    const input = { ...c.input, request: { ...c.input.request, groups: groupsOf(policy, c.input.request.principal, c.input.request.groups) } };
    const decision = decide(policy, input);
    const pass = (decision.allowed ? 'allow' : 'deny') === c.expect && (c.rule === undefined || c.rule === decision.rule);
    return { case: c, decision, pass };
  });
}

/** Problems of failed cases, located in the cases file. */
export function caseFailures(file: string, results: readonly CaseResult[]): Problem[] {
  return results
    .filter((r) => !r.pass)
    .map((r) => ({
      file,
      line: r.case.line,
      message: `case ${JSON.stringify(r.case.name)}: expected ${r.case.expect}${r.case.rule ? ` by ${r.case.rule}` : ''}, got ${r.decision.allowed ? 'allow' : 'deny'} by ${r.decision.rule}${r.decision.errors ? ` (condition errors: ${r.decision.errors.join('; ')})` : ''}`,
    }));
}
