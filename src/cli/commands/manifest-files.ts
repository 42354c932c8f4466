/**
 * `kpromo manifest files --src DIR [--prefix P]`: prints the `files:` section of a file-promotion
 * manifest for every regular file under DIR (relative path, sha256), as upstream does.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { addFlags, readFlags } from '../flags.js';
import { ExitCode, type CliIO, type SetExit } from '../io.js';

/** Registers `kpromo manifest files`. */
export function register(parent: Command, io: CliIO, setExit: SetExit): void {
  const cmd = parent.command('files').description('print the files: section (relative paths and sha256) of a file manifest for a directory');
  addFlags(cmd, [
    { name: 'src', kind: 'string', arg: '<dir>', description: 'the directory whose files to list' },
    { name: 'prefix', kind: 'string', arg: '<prefix>', description: 'prepended to each file name' },
  ]);
  cmd.action(async (_opts: unknown, command: Command) => {
    const f = readFlags(command);
    const src = f.str('src');
    if (!src) f.fail('--src DIR is required');
    if (f.problems.length) throw new InputError(f.problems);
    const { hashTree, formatFilesSection } = await import('../../manifest/file-hashes.js');
    const files = await hashTree(src!, f.str('prefix') ?? '').catch((err: NodeJS.ErrnoException) => {
      throw new InputError([{ file: src, message: `cannot read directory: ${err.code ?? err.message}` }]);
    });
    io.stdout(formatFilesSection(files));
    setExit(ExitCode.ok);
  });
}
