/**
 * The policy flags of `kpromo cip` (and of `kpromo policy check`): the policy file, who asks,
 * and the vulnerability reports that become the `vulnerabilities` attribute.
 */
import type { FlagReader, FlagSpec } from './flags.js';

/** The policy flags. */
export const POLICY_FLAGS: FlagSpec[] = [
  { name: 'policy', kind: 'string', arg: '<file>', description: 'decide every edge against this promotion policy (docs/policy.md); default deny' },
  { name: 'principal', kind: 'string', arg: '<email>', description: 'who asks for every edge (default: the author of the commit that added its digest line)' },
  { name: 'group', kind: 'list', arg: '<name,…>', description: "groups of the principal (repeatable), added to the policy's and the OWNERS files'" },
  { name: 'vuln-report', kind: 'string', arg: '<dir>', description: 'Trivy/Grype JSON or cosign vuln attestations: the vulnerabilities attribute, and the --vuln-severity-threshold gate' },
];

/** The policy flags, typed. */
export interface PolicyFlags {
  file?: string;
  principal?: string;
  groups: string[];
  vulnReport?: string;
}

/** Reads the policy flags. */
export function readPolicyFlags(f: FlagReader): PolicyFlags {
  const principal = f.str('principal');
  if (principal !== undefined && principal.trim() === '') f.fail('--principal must not be empty');
  return { file: f.str('policy'), principal, groups: f.list('group'), vulnReport: f.str('vuln-report') };
}
