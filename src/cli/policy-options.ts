/**
 * The policy flags of `kpromo cip` (and of `kpromo policy check`): the policy file, who asks
 * (and where that is learnt), and the vulnerability reports that become the `vulnerabilities`
 * attribute.
 */
import { DEFAULT_GITHUB_API_URL } from '../gitops/github.js';
import type { GitHubPrincipalSource } from '../policy/github-principal.js';
import type { FlagReader, FlagSpec } from './flags.js';

/** The policy flags. */
export const POLICY_FLAGS: FlagSpec[] = [
  { name: 'policy', kind: 'string', arg: '<file>', description: 'decide every edge against this promotion policy (docs/policy.md); default deny' },
  { name: 'principal', kind: 'string', arg: '<email>', description: 'who asks for every edge (default: the author of the commit that added its digest line)' },
  {
    name: 'principal-from',
    kind: 'string',
    arg: '<git|github>',
    default: 'git',
    description: "without --principal, who asked for a digest line: git, its commit's author email; github, the author of the pull request that merged it (needs GITHUB_TOKEN)",
  },
  { name: 'github-repo', kind: 'string', arg: '<owner/name>', description: 'with --principal-from github: the repository of the manifests (default $GITHUB_REPOSITORY, or Prow\'s $REPO_OWNER/$REPO_NAME)' },
  { name: 'github-api-url', kind: 'string', arg: '<url>', default: DEFAULT_GITHUB_API_URL, description: 'with --principal-from github: the GitHub API (GitHub Enterprise: https://HOST/api/v3)' },
  { name: 'group', kind: 'list', arg: '<name,…>', description: "groups of the principal (repeatable), added to the policy's and the OWNERS files'" },
  { name: 'vuln-report', kind: 'string', arg: '<dir>', description: 'Trivy/Grype JSON or cosign vuln attestations: the vulnerabilities attribute, and the --vuln-severity-threshold gate' },
];

/** The policy flags, typed. */
export interface PolicyFlags {
  file?: string;
  principal?: string;
  groups: string[];
  vulnReport?: string;
  /** `--principal-from github`: the manifests' repository and the API to ask (the token stays in the environment). */
  github?: { owner: string; repo: string; apiUrl: string };
}

/** Reads the policy flags; `env` gives the GitHub repository and token of `--principal-from github`. */
export function readPolicyFlags(f: FlagReader, env: NodeJS.ProcessEnv = {}): PolicyFlags {
  const principal = f.str('principal');
  if (principal !== undefined && principal.trim() === '') f.fail('--principal must not be empty');
  const flags: PolicyFlags = { file: f.str('policy'), principal, groups: f.list('group'), vulnReport: f.str('vuln-report') };
  const from = f.str('principal-from') ?? 'git';
  if (from !== 'git' && from !== 'github') f.fail(`invalid --principal-from "${from}": use git or github`);
  for (const name of ['github-repo', 'github-api-url']) if (f.explicit(name) && from !== 'github') f.fail(`--${name} is for --principal-from github`);
  if (from !== 'github') return flags;
  if (!flags.file) f.fail('--principal-from github says who asks for the --policy FILE to decide: give --policy');
  if (principal !== undefined) f.fail('--principal names who asks for every edge; --principal-from github asks GitHub: give one');
  const repo = f.str('github-repo') ?? env.GITHUB_REPOSITORY ?? (env.REPO_OWNER && env.REPO_NAME ? `${env.REPO_OWNER}/${env.REPO_NAME}` : undefined);
  if (!repo) f.fail('--principal-from github needs the manifests\' repository: give --github-repo OWNER/NAME (or set $GITHUB_REPOSITORY)');
  else if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) f.fail(`--github-repo ${repo}: give owner/name`);
  if (!env.GITHUB_TOKEN) f.fail('GITHUB_TOKEN is not set: --principal-from github reads pull requests with it');
  const [owner = '', name = ''] = repo?.split('/') ?? [];
  return { ...flags, github: { owner, repo: name, apiUrl: f.str('github-api-url') ?? DEFAULT_GITHUB_API_URL } };
}

/** The GitHub source of principals for `flags` (undefined unless `--principal-from github`). */
export async function githubPrincipals(flags: PolicyFlags, env: NodeJS.ProcessEnv): Promise<GitHubPrincipalSource | undefined> {
  if (!flags.github || !env.GITHUB_TOKEN) return undefined;
  const { createOctokitGitHub } = await import('../gitops/github.js');
  const api = await createOctokitGitHub({ token: env.GITHUB_TOKEN, baseUrl: flags.github.apiUrl });
  return { api, owner: flags.github.owner, repo: flags.github.repo };
}
