/**
 * A CEL condition compiled once per run: parsed, type-checked against the attribute schema,
 * then planned for evaluation against each decision's input.
 */
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import type { PolicyInput } from './attributes.js';
import { ATTRIBUTES } from './attributes.js';
import { CelTypeError, checkCondition } from './cel-check.js';

/** A compiled condition. */
export interface Condition {
  source: string;
  /** Attribute groups it reads. */
  groups: ReadonlySet<string>;
  /** True, false, or an evaluation error's message (a condition that errors does not match). */
  evaluate(input: CelActivation): boolean | string;
}

/** The CEL activation of a decision: ints as bigint, as CEL wants them. */
export type CelActivation = Record<string, unknown>;

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
  try {
    groups = checkCondition(parsed.expr).groups;
  } catch (err) {
    if (!(err instanceof CelTypeError)) throw err;
    const offset = parsed.sourceInfo?.positions[String(err.exprId)] ?? 0;
    const before = source.slice(0, offset).split('\n');
    throw new ConditionError(`CEL type error: ${err.message}`, before.length, before.at(-1)!.length + 1);
  }
  const run = plan(env, parsed);
  return {
    source,
    groups,
    evaluate(input) {
      const r = run(input as never);
      if (isCelError(r)) return r.message;
      return r === true;
    },
  };
}

/** The activation of `input` (ints become bigint). */
export function toActivation(input: PolicyInput): CelActivation {
  const out: CelActivation = { action: input.action };
  for (const group of Object.keys(ATTRIBUTES)) {
    if (group === 'action') continue;
    const src = input[group as Exclude<keyof PolicyInput, 'action'>] as unknown as Record<string, unknown>;
    const conv: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(src)) conv[k] = typeof v === 'number' ? BigInt(Math.trunc(v)) : v;
    out[group] = conv;
  }
  return out;
}
