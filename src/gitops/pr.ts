/**
 * `kpromo pr`: the contributor's promotion pull request, end to end. Clone the manifests
 * repository (or use a checkout), branch `<project>-<tag>-image-promotion`, grow the images file
 * of the project's manifest from staging, lint that change, commit, push to the fork, and open
 * (or find) the pull request with `/hold` and the reviewers. Nothing to add: nothing is pushed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Logger } from '../log.js';
import { nullLogger } from '../log.js';
import type { Addition } from '../manifest/edit.js';
import { growManifest, type GrowResult } from '../manifest/grow-file.js';
import { lintImagesChange, type Finding } from '../manifest/lint.js';
import type { RegistryClient } from '../registry/types.js';
import type { Author, GitWorkspace } from './git.js';
import type { GitHubApi, PullRequest } from './github.js';

/** Everything `kpromo pr` is told. */
export interface PrOptions {
  /** The manifests repository, `owner/name` (kubernetes/k8s.io). */
  repo: string;
  /** The fork to push to: `owner` or `owner/name`. */
  fork: string;
  baseBranch: string;
  /** Picks the manifest (gcr.io/k8s-staging-<project>) and names the branch. */
  project?: string;
  /** Picks the manifest by its source registry. */
  stagingRepo?: string;
  tags: string[];
  images: string[];
  digests: string[];
  /** Mentioned in the pull request body (`cc:`), as upstream. */
  reviewers: string[];
  /** The thin manifest tree inside the repository. */
  thinManifestDir: string;
  /** An existing checkout to work in (else a temporary clone). */
  checkout?: string;
  /** With a checkout: start the branch from the base branch fetched anew (else from HEAD). */
  updateRepo: boolean;
  cloneUrl: string;
  forkUrl: string;
  author: Author;
}

/** The systems `kpromo pr` talks to. */
export interface PrDeps {
  git: GitWorkspace;
  github: GitHubApi;
  registry: RegistryClient;
  logger?: Logger;
  /** Asked before pushing (interactive mode); false stops without pushing. */
  confirm?: (summary: string) => Promise<boolean>;
}

/** How it ended. */
export type PrOutcome =
  | { status: 'unchanged'; file: string }
  | { status: 'declined'; branch: string; diff: string }
  | { status: 'lint-failed'; findings: Finding[]; diff: string }
  | { status: 'opened' | 'updated'; branch: string; diff: string; pr: PullRequest };

/** The branch upstream names: `<project>-<first tag>-image-promotion`, made a valid ref name. */
export function branchName(project: string, tags: readonly string[]): string {
  const raw = `${project}-${tags[0] ?? 'images'}-image-promotion`;
  return raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\.{2,}/g, '.').replace(/-{2,}/g, '-').replace(/^[-.]+/, '');
}

/** The project a staging repository stands for (`…/k8s-staging-foo` → `foo`). */
export function projectOf(o: Pick<PrOptions, 'project' | 'stagingRepo'>): string {
  if (o.project) return o.project;
  const last = (o.stagingRepo ?? '').replace(/\/+$/, '').split('/').pop() ?? '';
  return last.replace(/^k8s-staging-/, '') || 'images';
}

/** Runs the whole flow (see the file comment). */
export async function openPromotionPr(o: PrOptions, deps: PrDeps): Promise<PrOutcome> {
  const log = deps.logger ?? nullLogger;
  const project = projectOf(o);
  const branch = branchName(project, o.tags);
  const temp = o.checkout ? undefined : await mkdtemp(join(tmpdir(), 'kpromo-pr-'));
  const dir = o.checkout ?? join(temp!, 'repo');
  try {
    let start = 'HEAD';
    if (!o.checkout) {
      log.info(`cloning ${o.repo} (${o.baseBranch})`);
      await deps.git.clone(o.cloneUrl, dir, o.baseBranch);
    } else if (o.updateRepo) {
      log.info(`fetching ${o.repo} ${o.baseBranch}`);
      await deps.git.fetch(dir, o.cloneUrl, o.baseBranch);
      start = 'FETCH_HEAD';
    }
    await deps.git.checkoutBranch(dir, branch, start);
    const target = o.stagingRepo ? { stagingRepo: o.stagingRepo } : { project };
    const label = (f: string): string => relative(dir, f);
    const grown = await growManifest(deps.registry, { thinManifestDir: join(dir, o.thinManifestDir) }, target, { tags: o.tags, images: o.images, digests: o.digests }, { diffLabel: label });
    const file = label(grown.file);
    if (!grown.diff) return { status: 'unchanged', file };
    const findings = lintImagesChange(file, grown.before, grown.after, 'images-file');
    if (findings.length) return { status: 'lint-failed', findings, diff: grown.diff };
    if (deps.confirm && !(await deps.confirm(grown.diff))) return { status: 'declined', branch, diff: grown.diff };
    await deps.git.commitAll(dir, commitMessage(project, o.tags, file, grown.additions), o.author);
    log.info(`pushing ${branch} to ${o.fork}`);
    await deps.git.push(dir, o.forkUrl, branch);
    const [owner, repo] = o.repo.split('/') as [string, string];
    const head = `${o.fork.split('/')[0]}:${branch}`;
    const existing = await deps.github.findOpenPullRequest(owner, repo, head, o.baseBranch);
    if (existing) return { status: 'updated', branch, diff: grown.diff, pr: existing };
    const pr = await deps.github.createPullRequest({ owner, repo, head, base: o.baseBranch, title: prTitle(project, o.tags), body: prBody(project, o.tags, file, grown, o.reviewers) });
    return { status: 'opened', branch, diff: grown.diff, pr };
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}

/** The pull request title and commit subject, as upstream writes them (`releng: ` for the kubernetes project itself). */
export function prTitle(project: string, tags: readonly string[]): string {
  const title = `Image promotion for ${project} ${tags.join(' / ')}`.trim();
  return project === 'kubernetes' ? `releng: ${title}` : title;
}

function listAdditions(additions: readonly Addition[]): string {
  return additions.map((a) => `- ${a.name}@${a.digest}${a.tags.length ? `: ${a.tags.join(', ')}` : ''}`).join('\n');
}

function commitMessage(project: string, tags: readonly string[], file: string, additions: readonly Addition[]): string {
  return `${prTitle(project, tags)}\n\nAdded to ${file} by kpromo pr:\n${listAdditions(additions)}\n`;
}

/** The pull request body: what was added, `/hold` (a person checks the images before it merges) and `cc:` the reviewers. */
export function prBody(project: string, tags: readonly string[], file: string, grown: Pick<GrowResult, 'additions' | 'stagingRepo'>, reviewers: readonly string[]): string {
  return [
    `${prTitle(project, tags)}, from \`${grown.stagingRepo}\`.`,
    '',
    `Added to \`${file}\`:`,
    listAdditions(grown.additions),
    '',
    'This is an automated PR generated from `kpromo pr`.',
    '',
    '/hold',
    ...(reviewers.length ? [`cc: ${reviewers.join(' ')}`] : []),
    '',
  ].join('\n');
}
