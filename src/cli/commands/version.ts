/**
 * `kpromo version [--json]`: upstream's subcommand (release-utils' version info). Prints the
 * fields kpromo can know in upstream's layout; `--json` prints them as one JSON object with
 * upstream's key names where they apply.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { VERSION } from '../../version.js';
import { addFlags, readFlags } from '../flags.js';
import type { CliIO, SetExit } from '../io.js';

/** What `kpromo version` reports. */
export interface VersionInfo {
  gitVersion: string;
  nodeVersion: string;
  platform: string;
}

/** The running kpromo's version information. */
export function versionInfo(): VersionInfo {
  return { gitVersion: `v${VERSION}`, nodeVersion: process.version, platform: `${process.platform}/${process.arch}` };
}

/** Upstream's text layout: one `Key:  value` line per field, values aligned. */
export function formatVersion(v: VersionInfo): string {
  const rows: [string, string][] = [
    ['GitVersion', v.gitVersion],
    ['NodeVersion', v.nodeVersion],
    ['Platform', v.platform],
  ];
  return rows.map(([k, val]) => `${`${k}:`.padEnd(15)}${val}\n`).join('');
}

/** Registers `kpromo version`. */
export function register(program: Command, io: CliIO, setExit: SetExit): void {
  const cmd = program.command('version').description('print the version of kpromo');
  addFlags(cmd, [{ name: 'json', kind: 'bool', description: 'print the version information as JSON' }]);
  cmd.action((_opts: unknown, command: Command) => {
    const f = readFlags(command);
    const json = f.bool('json');
    if (f.problems.length) throw new InputError(f.problems);
    const v = versionInfo();
    io.stdout(json ? `${JSON.stringify(v, null, 2)}\n` : formatVersion(v));
    setExit(0);
  });
}
