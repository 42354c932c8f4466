/**
 * Built-in deny rules that flags add to a policy: upstream's --vuln-severity-threshold becomes a
 * deny over the `vulnerabilities` attribute during a normal promotion.
 */
import { globMatcher } from './glob.js';
import type { DenyRule, Policy } from './policy.js';
import { countAtOrAbove } from './vulns.js';

const SEVERITY_NAMES = ['UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** The deny rule of `--vuln-severity-threshold N` (1..5). */
export function vulnThresholdRule(threshold: number): DenyRule {
  const all = globMatcher(undefined);
  const name = SEVERITY_NAMES[threshold] ?? String(threshold);
  return {
    id: 'deny/vuln-severity-threshold',
    reason: `vulnerabilities of severity ${name} or higher (--vuln-severity-threshold ${threshold})`,
    projects: all,
    images: all,
    destinations: all,
    tags: all,
    actions: new Set(['promote']),
    condition: {
      source: `--vuln-severity-threshold ${threshold}`,
      groups: new Set(['vulnerabilities']),
      evaluate: (input) => countAtOrAbove(input.vulnerabilities, threshold) > 0,
    },
    pos: { file: '--vuln-severity-threshold' },
  };
}

/** `policy` with `extra` deny rules first; without a policy, one that allows all but those. */
export function withBuiltins(policy: Policy | undefined, extra: readonly DenyRule[]): Policy {
  const reads = new Set([...(policy?.reads ?? []), ...extra.flatMap((d) => [...(d.condition?.groups ?? [])])]);
  if (!policy) return { file: '', roles: new Map(), bindings: [], deny: [...extra], groups: new Map(), handles: new Map(), reads, defaultAllow: true };
  return { ...policy, deny: [...extra, ...policy.deny], reads };
}
