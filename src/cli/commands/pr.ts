/**
 * `kpromo pr`: opens the promotion pull request for staging images (upstream's flags plus
 * `--repo`, `--base-branch`, `--github-api-url`, `--checkout`). Needs GITHUB_TOKEN, which is
 * sent to the GitHub API and, for HTTPS pushes, to git through the environment of each command;
 * it is never printed nor written to a git config. Exit 0 when the pull request is opened or
 * updated, or when there is nothing to add; 1 when the lint finds problems in the change or a
 * push or API call fails; 2 for bad input.
 */
import { Option, type Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { InputError, formatProblem } from '../../errors.js';
import { addFlags, type FlagSpec, readFlags } from '../flags.js';
import { createCliLogger } from '../log-setup.js';
import { ExitCode, type CliIO, type SetExit } from '../io.js';
import { NETWORK_FLAGS, readNetworkOptions } from '../network-options.js';

const FLAGS: FlagSpec[] = [
  { name: 'fork', kind: 'string', arg: '<owner[/repo]>', description: 'your fork of --repo, to push the branch to (required)' },
  { name: 'project', kind: 'string', arg: '<name>', default: 'kubernetes', description: 'the project: its staging repository is gcr.io/k8s-staging-<name>' },
  { name: 'staging-repo', kind: 'string', arg: '<registry/path>', description: 'the staging repository (instead of the one --project implies)' },
  { name: 'image', kind: 'list', arg: '<glob>', description: 'only images matching this glob (repeatable)' },
  { name: 'digests', kind: 'list', arg: '<digest>', description: 'only these digests (repeatable, comma-separated)' },
  { name: 'reviewers', kind: 'list', arg: '<@user|@org/team>', default: '@kubernetes/release-engineering', description: 'mentioned with cc: in the pull request' },
  { name: 'use-ssh', kind: 'bool', default: true, description: 'push to the fork over SSH (else HTTPS with GITHUB_TOKEN)' },
  { name: 'update-repo', kind: 'bool', default: true, description: 'with --checkout: start the branch from the freshly fetched base branch' },
  { name: 'repo', kind: 'string', arg: '<owner/name>', default: 'kubernetes/k8s.io', description: 'the manifests repository' },
  { name: 'base-branch', kind: 'string', arg: '<branch>', default: 'main', description: 'the branch the pull request targets' },
  { name: 'github-api-url', kind: 'string', arg: '<url>', default: 'https://api.github.com', description: 'GitHub API (GitHub Enterprise: https://HOST/api/v3)' },
  { name: 'checkout', kind: 'string', arg: '<dir>', description: 'work in this clone of --repo instead of a temporary one' },
  { name: 'thin-manifest-dir', kind: 'string', arg: '<path>', default: 'registry.k8s.io', description: 'the thin manifest tree inside the repository' },
  { name: 'clone-url', kind: 'string', arg: '<url>', description: 'clone --repo from here (default: https://<github host>/<repo>.git)' },
  { name: 'fork-url', kind: 'string', arg: '<url>', description: 'push to here (default: from --fork, --use-ssh and the GitHub host)' },
  ...NETWORK_FLAGS,
];

/** Registers `kpromo pr`. */
export function register(program: Command, io: CliIO, setExit: SetExit): void {
  const cmd = program.command('pr').description('open a pull request that adds staging images to the promoter manifests');
  cmd.addOption(new Option('-t, --tag <tag>', 'the tags to promote (required, repeatable, globs allowed)').argParser((v: string, prev: unknown) => [...(Array.isArray(prev) ? prev : []), v]));
  cmd.addOption(new Option('-i, --interactive', 'show the change and ask before pushing'));
  addFlags(cmd, FLAGS);
  cmd.action(async (_opts: unknown, command: Command) => {
    const f = readFlags(command);
    const globals = command.optsWithGlobals();
    const logger = createCliLogger({ level: String(globals.logLevel ?? 'info'), format: String(globals.logFormat ?? 'text'), write: io.stderr });
    const fork = f.str('fork');
    const tags = f.list('tag');
    const repo = f.str('repo')!;
    if (!fork) f.fail('--fork is required: your fork of the manifests repository (owner or owner/repo)');
    if (tags.length === 0) f.fail('-t/--tag is required: the tags to promote');
    if (tags.includes('latest')) f.fail('--tag latest: the "latest" tag is never promoted; give a version tag');
    if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) f.fail(`--repo ${repo}: give owner/name`);
    const token = io.env.GITHUB_TOKEN;
    if (!token) f.fail('GITHUB_TOKEN is not set: kpromo pr needs a GitHub token to open the pull request');
    const apiUrl = f.str('github-api-url')!;
    const host = githubHost(apiUrl);
    const forkRepo = fork?.includes('/') ? fork : `${fork}/${repo.split('/')[1]}`;
    const useSsh = f.bool('use-ssh');
    const options = {
      repo,
      fork: forkRepo,
      baseBranch: f.str('base-branch')!,
      project: f.explicit('project') || !f.str('staging-repo') ? f.str('project') : undefined,
      stagingRepo: f.str('staging-repo'),
      tags,
      images: f.list('image'),
      digests: f.list('digests'),
      reviewers: f.list('reviewers'),
      thinManifestDir: f.str('thin-manifest-dir')!,
      checkout: f.str('checkout'),
      updateRepo: f.bool('update-repo'),
      cloneUrl: f.str('clone-url') ?? `https://${host}/${repo}.git`,
      forkUrl: f.str('fork-url') ?? (useSsh ? `git@${host}:${forkRepo}.git` : `https://${host}/${forkRepo}.git`),
      author: { name: io.env.GIT_AUTHOR_NAME || 'kpromo', email: io.env.GIT_AUTHOR_EMAIL || 'kpromo@users.noreply.github.com' },
    };
    const interactive = f.bool('interactive');
    const network = readNetworkOptions(f);
    if (f.problems.length) throw new InputError(f.problems);

    const [{ createNetworkedClient }, { openPromotionPr }, { CliGit }, { createOctokitGitHub }] = await Promise.all([
      import('../network-client.js'),
      import('../../gitops/pr.js'),
      import('../../gitops/git.js'),
      import('../../gitops/github.js'),
    ]);
    const { client, network: net } = createNetworkedClient(network, { logger, env: io.env });
    try {
      const outcome = await openPromotionPr(options, {
        git: new CliGit({ token, tokenHost: host, env: io.env }),
        github: await createOctokitGitHub({ token: token!, baseUrl: apiUrl }),
        registry: client,
        logger,
        confirm: interactive ? (diff) => ask(io, diff) : undefined,
      });
      switch (outcome.status) {
        case 'unchanged':
          io.stderr(`nothing to promote: ${outcome.file} already lists every matching image; no pull request opened\n`);
          return setExit(ExitCode.ok);
        case 'declined':
          io.stderr(`not pushed (declined); the change is on branch ${outcome.branch} of the checkout\n`);
          return setExit(ExitCode.ok);
        case 'lint-failed':
          io.stdout(outcome.diff);
          for (const finding of outcome.findings) io.stderr(`${formatProblem(finding)}\n`);
          io.stderr('the change fails the manifest lint: nothing pushed\n');
          return setExit(ExitCode.failed);
        default:
          io.stdout(outcome.diff);
          io.stdout(`${outcome.status === 'opened' ? 'opened' : 'updated'} pull request #${outcome.pr.number}: ${outcome.pr.url}\n`);
          return setExit(ExitCode.ok);
      }
    } finally {
      await client.close();
      await net.close();
    }
  });
}

/** The web/git host of a GitHub API URL (api.github.com → github.com; https://HOST/api/v3 → HOST). */
export function githubHost(apiUrl: string): string {
  const u = new URL(apiUrl);
  return u.hostname === 'api.github.com' ? 'github.com' : u.host;
}

async function ask(io: CliIO, diff: string): Promise<boolean> {
  io.stdout(diff);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question('push this change and open the pull request? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}
