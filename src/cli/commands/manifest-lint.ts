/**
 * `kpromo manifest lint`: the presubmit check of a manifest change (git diff against `--base`,
 * by default the merge base with the default branch; `--use-prow-manifest-diff` takes the base
 * from Prow's variables). Offline. Prints each finding as file:line: message; exit 1 on findings,
 * 0 when clean, 2 for bad input (no git repository, unknown revision).
 */
import type { Command } from 'commander';
import { formatProblem, InputError } from '../../errors.js';
import { addFlags, type FlagSpec, readFlags } from '../flags.js';
import { ExitCode, type CliIO, type SetExit } from '../io.js';

const FLAGS: FlagSpec[] = [
  { name: 'manifest', kind: 'string', arg: '<file>', description: 'a plain manifest to lint' },
  { name: 'thin-manifest-dir', kind: 'string', arg: '<dir>', description: 'a thin manifest tree to lint' },
  { name: 'base', kind: 'string', arg: '<rev>', description: 'the revision to compare with (default: the merge base with the default branch)' },
  { name: 'use-prow-manifest-diff', kind: 'bool', description: "take the base from Prow's JOB_TYPE and PULL_BASE_SHA, as cip does" },
];

/** Registers `kpromo manifest lint`. */
export function register(parent: Command, io: CliIO, setExit: SetExit): void {
  const cmd = parent.command('lint').description('check a git change of manifests: tag moves, removals, duplicates, order, schema');
  addFlags(cmd, FLAGS);
  cmd.action(async (_opts: unknown, command: Command) => {
    const f = readFlags(command);
    const source = { manifest: f.str('manifest'), thinManifestDir: f.str('thin-manifest-dir') };
    if (!source.manifest && !source.thinManifestDir) f.fail('give --manifest FILE or --thin-manifest-dir DIR');
    let base = f.str('base');
    const prow = f.bool('use-prow-manifest-diff');
    if (base && prow) f.fail('--base and --use-prow-manifest-diff both choose the base: give one of them');
    if (f.problems.length) throw new InputError(f.problems);
    const [{ lintGitChange }, { prowDiffRevision, GitError }] = await Promise.all([import('../../manifest/lint-git.js'), import('../../manifest/git.js')]);
    if (prow) base = prowDiffRevision(io.env);
    const result = await lintGitChange(source, base).catch((err: unknown) => {
      if (err instanceof GitError) throw new InputError([{ message: `manifest lint: ${err.message}` }]);
      throw err;
    });
    for (const finding of result.findings) io.stdout(`${formatProblem(finding)}\n`);
    const n = result.findings.length;
    const files = `${result.files.length} changed file${result.files.length === 1 ? '' : 's'}`;
    io.stderr(n ? `${n} finding${n === 1 ? '' : 's'} in ${files} since ${result.base.slice(0, 12)}\n` : `no findings in ${files} since ${result.base.slice(0, 12)}\n`);
    setExit(n ? ExitCode.failed : ExitCode.ok);
  });
}
