/**
 * `kpromo manifest …`: tools for the people who edit manifests. `grow` adds staging digests to an
 * images file, `lint` checks a git change of manifests, `validate` checks manifests offline and
 * `files` prints the `files:` section of a file-promotion manifest. Each subcommand lives in its
 * own file and is registered here.
 */
import type { Command } from 'commander';
import type { CliIO, SetExit } from '../io.js';
import * as files from './manifest-files.js';
import * as grow from './manifest-grow.js';
import * as lint from './manifest-lint.js';
import * as validate from './manifest-validate.js';

/** Registers `kpromo manifest` and its subcommands. */
export function register(program: Command, io: CliIO, setExit: SetExit): void {
  const cmd = program.command('manifest').description('grow, lint and validate promoter manifests');
  grow.register(cmd, io, setExit);
  lint.register(cmd, io, setExit);
  validate.register(cmd, io, setExit);
  files.register(cmd, io, setExit);
}
