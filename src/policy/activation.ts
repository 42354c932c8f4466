/**
 * The CEL activation of a policy decision: its input with ints as bigint, as CEL wants them. Apart
 * from the CEL engine (condition.ts), so deciding with a loaded policy does not load it again and
 * a run without a policy never loads it.
 */
import { ATTRIBUTES, type PolicyInput } from './attributes.js';

/** The CEL activation of a decision. */
export type CelActivation = Record<string, unknown>;

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
