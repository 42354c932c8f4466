/**
 * A CEL condition compiled once per run: parsed, type-checked against the attribute schema,
 * then planned for evaluation against each decision's input.
 */
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import type { PolicyInput } from './attributes.js';
import type { CelActivation } from './activation.js';
import { CelTypeError, checkCondition } from './cel-check.js';

/** A compiled condition. */
export interface Condition {
  source: string;
  /** Attribute groups it reads. */
  groups: ReadonlySet<string>;
  /**
   * True, false, or an evaluation error's message (a condition that errors does not match).
   * `activation` is built only when the result is not known yet.
   */
  evaluate(input: PolicyInput, activation: () => CelActivation): boolean | string;
}

/** Distinct inputs remembered per condition (CEL is pure: equal read fields, equal result). */
const MAX_MEMO = 4096;

const env = celEnv({});

/** A compile problem with its 1-based line and column inside the condition text. */
export class ConditionError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/** Compiles `source`; throws ConditionError. */
export function compileCondition(source: string): Condition {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (err) {
    const m = /^<input>:(\d+):(\d+): (.*)$/s.exec((err as Error).message);
    throw new ConditionError(`CEL syntax: ${m ? m[3] : (err as Error).message}`, Number(m?.[1] ?? 1), Number(m?.[2] ?? 1));
  }
  let groups: Set<string>;
  let fields: string[];
  try {
    const checked = checkCondition(parsed.expr);
    groups = checked.groups;
    fields = [...checked.fields].sort();
  } catch (err) {
    if (!(err instanceof CelTypeError)) throw err;
    const offset = parsed.sourceInfo?.positions[String(err.exprId)] ?? 0;
    const before = source.slice(0, offset).split('\n');
    throw new ConditionError(`CEL type error: ${err.message}`, before.length, before.at(-1)!.length + 1);
  }
  const run = plan(env, parsed);
  const memo = new Map<string, boolean | string>();
  const paths = fields.map((f) => f.split('.') as [string, string?]);
  return {
    source,
    groups,
    evaluate(input, activation) {
      let key = '';
      for (const [g, f] of paths) {
        const v = f === undefined ? (input as unknown as Record<string, unknown>)[g] : (input as unknown as Record<string, Record<string, unknown>>)[g]![f];
        key += `${Array.isArray(v) ? JSON.stringify(v) : String(v)}\u0000`;
      }
      const known = memo.get(key);
      if (known !== undefined) return known;
      const r = run(activation() as never);
      const out = isCelError(r) ? r.message : r === true;
      if (memo.size < MAX_MEMO) memo.set(key, out);
      return out;
    },
  };
}
