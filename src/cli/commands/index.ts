/**
 * The list of subcommands. Each command file exports a `register` function that adds its
 * command to the program; commands are typed async functions callable without argv.
 */
import type { Command } from 'commander';
import type { CliIO, SetExit } from '../io.js';
import * as audit from './audit.js';
import * as cip from './cip.js';
import * as demo from './demo.js';
import * as manifest from './manifest.js';
import * as policy from './policy.js';
import * as pr from './pr.js';
import * as registry from './registry.js';
import * as report from './report.js';
import * as sigcheck from './sigcheck.js';
import * as version from './version.js';

/** Registers every subcommand on `program`. */
export function registerCommands(program: Command, io: CliIO, setExit: SetExit): void {
  audit.register(program, io, setExit);
  cip.register(program, io, setExit);
  demo.register(program, io, setExit);
  manifest.register(program, io, setExit);
  policy.register(program, io, setExit);
  pr.register(program, io, setExit);
  registry.register(program, io, setExit);
  report.register(program, io, setExit);
  sigcheck.register(program, io, setExit);
  version.register(program, io, setExit);
}
