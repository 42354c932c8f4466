/**
 * Builds the policy phase's configuration from the flags at setup, before any request: the
 * policy file (validated like a manifest: exit 2 with file:line problems), the vulnerability
 * reports, the built-in --vuln-severity-threshold deny rule, and the runner's workload identity
 * from the identity token used for signing.
 */
import type { PolicyConfig } from '../../pipeline/phases/policy.js';
import { vulnThresholdRule, withBuiltins } from '../../policy/builtin.js';
import { loadVulnReports } from '../../policy/vulns.js';
import { jwtClaims, resolveTokenProvider } from '../../signing/identity-token.js';
import type { CipOptions } from '../cip-options.js';
import { githubPrincipals, type PolicyFlags } from '../policy-options.js';

/** The runner's workload identity: the identity token's issuer and subject (email when present). */
export async function runnerIdentity(opts: CipOptions, env: NodeJS.ProcessEnv): Promise<{ issuer: string; subject: string } | undefined> {
  const t = opts.trust;
  if (t.signingKey) return undefined;
  const tokens = resolveTokenProvider({ identityTokenFile: t.identityTokenFile, identityTokenCommand: t.identityTokenCommand }, env);
  if (!tokens) return undefined;
  try {
    const c = jwtClaims(await tokens.getToken());
    const subject = typeof c.email === 'string' ? c.email : typeof c.sub === 'string' ? c.sub : '';
    return typeof c.iss === 'string' ? { issuer: c.iss, subject } : undefined;
  } catch {
    return undefined; // the trust setup reports an unreadable token when it needs one
  }
}

/** The policy phase's configuration, or undefined when no flag asks for one. */
export async function buildPolicyConfig(opts: CipOptions, env: NodeJS.ProcessEnv): Promise<PolicyConfig | undefined> {
  const signs = opts.signing.sign && !opts.run.parseOnly;
  return policyConfigOf(opts.policy, opts.scan.vulnSeverityThreshold, signs, () => runnerIdentity(opts, env), env);
}

/**
 * The policy phase's configuration from the policy flags and --vuln-severity-threshold (`-1`: not
 * given), or undefined when no flag asks for one.
 */
export async function policyConfigOf(
  p: PolicyFlags,
  threshold: number,
  signs: boolean,
  runner: () => Promise<{ issuer: string; subject: string } | undefined> = async () => undefined,
  env: NodeJS.ProcessEnv = {},
): Promise<PolicyConfig | undefined> {
  const gate = p.vulnReport !== undefined && threshold > 0;
  if (!p.file && !gate) return undefined;
  // the CEL engine behind loadPolicy is loaded only by runs with a policy
  const policy = p.file ? await (await import('../../policy/load.js')).loadPolicy(p.file) : undefined;
  const vulns = p.vulnReport !== undefined ? await loadVulnReports(p.vulnReport) : undefined;
  return {
    policy: withBuiltins(policy, gate ? [vulnThresholdRule(threshold)] : []),
    request: { principal: p.principal, groups: p.groups, runner: await runner(), github: await githubPrincipals(p, env) },
    vulns,
    signs,
  };
}
