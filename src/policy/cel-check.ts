/**
 * A static type check of a parsed CEL condition against the attribute schema (attributes.ts):
 * unknown attributes, unknown functions, operands of the wrong type and a non-bool result are
 * reported before any request. Covers the operators, the string methods, size, the type
 * conversions and the list macros (exists, all, exists_one, map, filter) that conditions use.
 */
import type { parse } from '@bufbuild/cel';
import { attrSpec, isAttrGroup, ATTRIBUTES } from './attributes.js';

/** A parsed CEL expression node. */
type Expr = ReturnType<typeof parse>['expr'];

/** A CEL type as the checker tracks it; `group:<name>` is a top-level attribute variable. */
type T = string;

/** A type error at an expression id (positions come from the parser's source info). */
export class CelTypeError extends Error {
  constructor(
    readonly exprId: bigint,
    message: string,
  ) {
    super(message);
  }
}

/** What a checked condition reads: attribute groups (to know which need registry reads). */
export interface CheckResult {
  groups: Set<string>;
  fields: Set<string>;
}

const NUMERIC = new Set(['int', 'uint', 'double']);
const elemOf = (t: T): T | undefined => (t === 'dyn' ? 'dyn' : t.startsWith('list<') ? t.slice(5, -1) : undefined);
function compatible(a: T, b: T): boolean {
  if (a === b || a === 'dyn' || b === 'dyn' || a === 'null' || b === 'null' || (NUMERIC.has(a) && NUMERIC.has(b))) return true;
  const ea = a.startsWith('list<') ? elemOf(a) : undefined;
  const eb = b.startsWith('list<') ? elemOf(b) : undefined;
  return ea !== undefined && eb !== undefined && compatible(ea, eb);
}
const STRING_METHODS = new Set(['startsWith', 'endsWith', 'contains', 'matches']);
const CONVERSIONS: Record<string, T> = { int: 'int', uint: 'uint', double: 'double', string: 'string', bool: 'bool' };

/** Checks `expr` (the root of a parsed condition); throws CelTypeError. */
export function checkCondition(expr: Expr): CheckResult {
  const out: CheckResult = { groups: new Set(), fields: new Set() };
  const t = typeOf(expr, new Map(), out);
  if (t.startsWith('group:')) throw new CelTypeError(expr.id, `${t.slice(6)} is a group of attributes, not a value`);
  if (t !== 'bool' && t !== 'dyn') throw new CelTypeError(expr.id, `a condition must be a bool expression; this one is ${t}`);
  return out;
}

function typeOf(e: Expr, scope: Map<string, T>, out: CheckResult): T {
  const k = e.exprKind;
  switch (k.case) {
    case 'constExpr': {
      const c = k.value.constantKind.case;
      if (c === 'stringValue') return 'string';
      if (c === 'int64Value') return 'int';
      if (c === 'uint64Value') return 'uint';
      if (c === 'doubleValue') return 'double';
      if (c === 'boolValue') return 'bool';
      if (c === 'bytesValue') return 'bytes';
      return 'null';
    }
    case 'identExpr': {
      const name = k.value.name;
      const local = scope.get(name);
      if (local) return local;
      if (!isAttrGroup(name)) throw new CelTypeError(e.id, `undeclared reference ${JSON.stringify(name)}: the variables are ${Object.keys(ATTRIBUTES).join(', ')}`);
      out.groups.add(name);
      const top = attrSpec(name, '');
      if (top) out.fields.add(name);
      return top ? top.type : `group:${name}`;
    }
    case 'selectExpr': {
      const operand = k.value.operand;
      const base = operand ? typeOf(operand, scope, out) : 'dyn';
      const field = k.value.field;
      let t: T;
      if (base.startsWith('group:')) {
        const group = base.slice(6);
        const spec = attrSpec(group, field);
        if (!spec || field === '') {
          const fields = Object.keys((ATTRIBUTES as Record<string, object>)[group]!).join(', ');
          throw new CelTypeError(e.id, `${group} has no attribute ${JSON.stringify(field)} (it has ${fields})`);
        }
        out.fields.add(`${group}.${field}`);
        t = spec.type;
      } else if (base === 'dyn') {
        t = 'dyn';
      } else {
        throw new CelTypeError(e.id, `cannot select ${JSON.stringify(field)} from a ${base}`);
      }
      return k.value.testOnly ? 'bool' : t;
    }
    case 'callExpr':
      return callType(e, scope, out);
    case 'listExpr': {
      const elems = k.value.elements.map((x) => typeOf(x, scope, out));
      if (elems.some((t) => t.startsWith('group:'))) throw new CelTypeError(e.id, 'a group of attributes is not a value: use one of its attributes');
      const first = elems[0];
      return first && elems.every((x) => x === first) ? `list<${first}>` : 'list<dyn>';
    }
    case 'structExpr':
      for (const en of k.value.entries) if (en.value) typeOf(en.value, scope, out);
      return 'dyn';
    case 'comprehensionExpr': {
      const c = k.value;
      const range = c.iterRange ? typeOf(c.iterRange, scope, out) : 'dyn';
      const elem = elemOf(range);
      if (!elem) throw new CelTypeError(e.id, `cannot iterate over a ${range}`);
      const inner = new Map(scope);
      inner.set(c.iterVar, elem);
      const accu = c.accuInit ? typeOf(c.accuInit, scope, out) : 'dyn';
      inner.set(c.accuVar, accu === 'list<dyn>' || accu.startsWith('list<') ? 'list<dyn>' : accu);
      if (c.loopCondition) typeOf(c.loopCondition, inner, out);
      if (c.loopStep) typeOf(c.loopStep, inner, out);
      return c.result ? typeOf(c.result, inner, out) : 'dyn';
    }
    default:
      return 'dyn';
  }
}

function callType(e: Expr, scope: Map<string, T>, out: CheckResult): T {
  const call = e.exprKind.value as { function: string; target?: Expr; args: Expr[] };
  const fn = call.function;
  const args = call.args.map((a) => typeOf(a, scope, out));
  const target = call.target ? typeOf(call.target, scope, out) : undefined;
  // a whole group is not a value: conditions read its attributes (which also keeps results memoizable)
  const whole = [...args, target ?? ''].find((t) => t.startsWith('group:'));
  if (whole) throw new CelTypeError(e.id, `${whole.slice(6)} is a group of attributes, not a value: use one of its attributes (${whole.slice(6)}.…)`);
  const fail = (msg: string): never => {
    throw new CelTypeError(e.id, msg);
  };
  const need = (t: T, want: T, what: string): void => {
    if (!compatible(t, want)) fail(`${what} must be ${want}, not ${t}`);
  };
  switch (fn) {
    case '_&&_':
    case '_||_':
      args.forEach((a) => need(a, 'bool', `an operand of ${fn.slice(1, -1)}`));
      return 'bool';
    case '!_':
    case '@not_strictly_false':
      need(args[0]!, 'bool', 'the operand of !');
      return 'bool';
    case '_==_':
    case '_!=_':
      if (!compatible(args[0]!, args[1]!)) fail(`cannot compare ${args[0]} with ${args[1]}`);
      return 'bool';
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_':
      if (!compatible(args[0]!, args[1]!) || args[0]!.startsWith('list') || args[0] === 'bool' && args[1] !== 'bool') fail(`cannot order ${args[0]} and ${args[1]}`);
      return 'bool';
    case '@in': {
      const elem = elemOf(args[1]!);
      if (!elem) fail(`"in" needs a list on its right, not ${args[1]}`);
      if (!compatible(args[0]!, elem!)) fail(`cannot look for a ${args[0]} in a ${args[1]}`);
      return 'bool';
    }
    case '_?_:_':
      need(args[0]!, 'bool', 'the condition of ?:');
      return args[1] === args[2] ? args[1]! : 'dyn';
    case '_+_':
      if (!compatible(args[0]!, args[1]!)) fail(`cannot add ${args[0]} and ${args[1]}`);
      return args[0] === 'dyn' ? args[1]! : args[0]!;
    case '_-_':
    case '_*_':
    case '_/_':
    case '_%_':
    case '-_':
      args.forEach((a) => NUMERIC.has(a) || a === 'dyn' || fail(`arithmetic needs numbers, not ${a}`));
      return args[0]!;
    case '_[_]': {
      const elem = elemOf(args[0]!);
      if (!elem) fail(`cannot index a ${args[0]}`);
      return elem!;
    }
    case 'size': {
      const of = target ?? args[0]!;
      if (of !== 'string' && of !== 'dyn' && !of.startsWith('list<')) fail(`size() needs a string or a list, not ${of}`);
      return 'int';
    }
    default:
      if (STRING_METHODS.has(fn)) {
        if (target === undefined) fail(`${fn} is a method: write x.${fn}(…)`);
        need(target!, 'string', `the receiver of ${fn}()`);
        if (args.length !== 1) fail(`${fn}() takes one argument`);
        need(args[0]!, 'string', `the argument of ${fn}()`);
        return 'bool';
      }
      if (Object.hasOwn(CONVERSIONS, fn) && target === undefined && args.length === 1) return CONVERSIONS[fn]!;
      return fail(`unknown function ${JSON.stringify(fn)}`);
  }
}
