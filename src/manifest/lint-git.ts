/**
 * Runs the manifest lint over a git change: the images lists changed between a base revision and
 * the work tree (committed, staged, unstaged or untracked), each compared with its version at the
 * base, plus every problem the manifest loader finds. Offline: git and the filesystem only.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError, type Problem } from '../errors.js';
import { git, resolveCommit, type GitOptions } from './git.js';
import { lintImagesChange, type Finding } from './lint.js';
import { loadPlainManifest } from './plain.js';
import { THIN_IMAGES_FILE, loadThinManifestDir } from './thin.js';

/** What to lint: a plain manifest or a thin-manifest tree, against `base`. */
export interface LintSource {
  manifest?: string;
  thinManifestDir?: string;
}

/** Findings of a change, and what was compared. */
export interface LintResult {
  base: string;
  files: string[];
  findings: Finding[];
}

/** Remote branches tried, in order, for the default branch when origin/HEAD is not set. */
const DEFAULT_BRANCHES = ['origin/main', 'origin/master', 'main', 'master'];

/** The merge base of HEAD with the default branch (origin/HEAD, else the first of DEFAULT_BRANCHES that exists). */
export async function defaultLintBase(opts: GitOptions): Promise<string> {
  const head = await git(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD'], opts).then((s) => s.trim(), () => '');
  for (const ref of [head, ...DEFAULT_BRANCHES].filter(Boolean)) {
    const ok = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], opts).then(() => true, () => false);
    if (ok) return (await git(['merge-base', 'HEAD', ref], opts)).trim();
  }
  throw new InputError([{ message: `manifest lint: no default branch found (tried origin/HEAD, ${DEFAULT_BRANCHES.join(', ')}); give --base REV` }]);
}

/** Lints the change of `source` since `baseRev` (see the file comment). */
export async function lintGitChange(source: LintSource, baseRev: string | undefined, opts: { signal?: AbortSignal } = {}): Promise<LintResult> {
  const target = resolve(source.manifest ?? source.thinManifestDir ?? '');
  if (!source.manifest && !source.thinManifestDir) {
    throw new InputError([{ message: 'manifest lint: give --manifest FILE or --thin-manifest-dir DIR' }]);
  }
  const cwd = source.manifest ? resolve(target, '..') : target;
  const g: GitOptions = { cwd, signal: opts.signal };
  const top = (await git(['rev-parse', '--show-toplevel'], g)).trim();
  const base = await resolveCommit(baseRev ?? (await defaultLintBase(g)), g);
  const rel = relative(top, target) || '.';
  const [changed, untracked] = await Promise.all([
    git(['diff', '--name-only', '--no-renames', '-z', base, '--', rel], { ...g, cwd: top }),
    git(['ls-files', '--others', '--exclude-standard', '-z', '--', rel], { ...g, cwd: top }),
  ]);
  const files = [...new Set([...changed.split('\0'), ...untracked.split('\0')].filter(Boolean))]
    .filter((f) => (source.manifest ? resolve(top, f) === target : isImagesFile(relative(target, resolve(top, f)))))
    .sort();

  const findings: Finding[] = (await loaderProblems(source)).map((p) => ({ ...p, kind: 'invalid' as const }));
  for (const f of files) {
    const abs = join(top, f);
    const [before, after] = await Promise.all([
      git(['show', `${base}:${f}`], { ...g, cwd: top }).catch(() => undefined),
      readFile(abs, 'utf8').catch(() => undefined),
    ]);
    // named as the user named the manifest or tree, like the loader's problems
    const shown = source.manifest ?? join(source.thinManifestDir!, relative(target, abs));
    if (after === undefined) {
      findings.push({ file: shown, kind: 'removed', message: 'file removed; promotion never deletes, so removing its entries only hides what was promoted' });
      continue;
    }
    findings.push(...lintImagesChange(shown, before, after, source.manifest ? 'plain-manifest' : 'images-file'));
  }
  return { base, files, findings: dedupe(findings) };
}

/** `images/<project>/images.yaml` relative to the tree. */
function isImagesFile(rel: string): boolean {
  if (isAbsolute(rel) || rel.startsWith('..')) return false;
  const parts = rel.split(sep);
  return parts.length === 3 && parts[0] === 'images' && parts[2] === THIN_IMAGES_FILE;
}

/** Everything the manifest loader reports (parse, schema, layout), without the warnings that only inform. */
async function loaderProblems(source: LintSource): Promise<Problem[]> {
  if (source.manifest) {
    const r = await loadPlainManifest(source.manifest);
    return r.problems;
  }
  const r = await loadThinManifestDir(source.thinManifestDir!);
  return r.problems;
}

/** The same message at the same place once (the loader and the lint may both see a problem). */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.file}:${f.line}:${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
