import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../errors.js';
import { parsePolicy } from './load.js';

const head = 'apiVersion: kpromo.sigs.k8s.io/v1alpha1\nkind: PromotionPolicy\n';

function problems(text: string): string[] {
  try {
    parsePolicy('p.yaml', head + text);
  } catch (err) {
    assert.ok(err instanceof InputError);
    return err.problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
  }
  return [];
}

test('load: a valid policy reads the attribute groups its conditions use', () => {
  const p = parsePolicy('p.yaml', head + 'roles:\n- name: r\n  rules:\n  - condition: image.size < 100 && edge.tag != ""\ndeny:\n- name: d\n  reason: no\n  condition: vulnerabilities.high > 2\n');
  assert.deepEqual([...p.reads].sort(), ['edge', 'image', 'vulnerabilities']);
});

const table: { name: string; yaml: string; want: RegExp }[] = [
  { name: 'unknown top-level key', yaml: 'rolez: []\n', want: /^3:1: unknown key "rolez" in the policy/ },
  { name: 'unknown rule key', yaml: 'roles:\n- name: r\n  rules:\n  - imagez: [a]\n', want: /^6:5: unknown key "imagez"/ },
  { name: 'unknown attribute', yaml: 'roles:\n- name: r\n  rules:\n  - condition: edge.tagg == "v1"\n', want: /^6:20: role r\[0\]\.condition: CEL type error: edge has no attribute "tagg"/ },
  { name: 'wrong operand types', yaml: 'roles:\n- name: r\n  rules:\n  - condition: edge.tag > 3\n', want: /CEL type error: cannot order string and int/ },
  { name: 'non-bool condition', yaml: 'roles:\n- name: r\n  rules:\n  - condition: edge.tag\n', want: /a condition must be a bool expression; this one is string/ },
  { name: 'unknown variable', yaml: 'deny:\n- name: d\n  reason: x\n  condition: who == "x"\n', want: /undeclared reference "who"/ },
  { name: 'unknown function', yaml: 'deny:\n- name: d\n  reason: x\n  condition: edge.tag.upper() == "X"\n', want: /unknown function "upper"/ },
  { name: 'syntax error', yaml: 'deny:\n- name: d\n  reason: x\n  condition: edge.tag ==\n', want: /CEL syntax/ },
  { name: 'type error on a later line of a block scalar', yaml: 'deny:\n- name: d\n  reason: x\n  condition: |\n    edge.tag == "a" &&\n      provenance.verifed\n', want: /^8:\d+: deny\/d\.condition: CEL type error: provenance has no attribute "verifed"/ },
  { name: 'deny without a reason', yaml: 'deny:\n- name: d\n', want: /deny rule deny\/d needs a reason/ },
  { name: 'binding to an undefined role', yaml: 'bindings:\n- name: b\n  role: ghost\n  subjects: [{kind: User, name: a@b}]\n', want: /names role "ghost", which is not defined/ },
  { name: 'unknown subject kind', yaml: 'roles: [{name: r}]\nbindings:\n- name: b\n  role: r\n  subjects: [{kind: Robot, name: x}]\n', want: /subject kind must be User, Group or WorkloadIdentity/ },
  { name: 'a whole group used as a value', yaml: 'deny:\n- name: d\n  reason: x\n  condition: size(edge) > 0\n', want: /edge is a group of attributes, not a value/ },
  { name: 'unknown action', yaml: 'roles:\n- name: r\n  rules:\n  - actions: [delete]\n', want: /unknown action "delete"/ },
];

for (const c of table) {
  test(`load: ${c.name} is reported with its line`, () => {
    const got = problems(c.yaml);
    assert.ok(got.some((p) => c.want.test(p)), got.join('\n'));
  });
}

test('load: the list macros, conversions and string methods type-check', () => {
  const conds = [
    'image.platforms.map(p, p + "x").size() == 0',
    'image.platforms.filter(p, p == "a").size() == 0 && image.platforms.all(p, p != "") && !image.platforms.exists_one(p, p == "x")',
    'int("3") == 3 && string(vulnerabilities.high) == "0" && edge.tag.matches("^v[0-9]+$") && edge.tag.contains("1")',
    '(action == "sign" ? provenance.verified : true) && size(request.groups) >= 0 && request.groups[0] != ""',
  ];
  for (const c of conds) parsePolicy('p.yaml', `${head}deny:\n- name: d\n  reason: x\n  condition: '${c}'\n`);
});

test('load: the wrong apiVersion is refused', () => {
  assert.throws(() => parsePolicy('p.yaml', 'apiVersion: v1\nkind: PromotionPolicy\n'), /invalid policy/);
});
