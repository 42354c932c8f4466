/**
 * The kpromo command line. The only place that prints or chooses exit codes:
 * 0 success, 1 a run that failed part-way, 2 invalid input (nothing was attempted).
 */
import { Command, CommanderError } from 'commander';
import { InputError, KpromoError, NotSupportedError, RunFailedError, formatProblems } from '../errors.js';
import { registerCommands } from './commands/index.js';
import { VERSION } from '../version.js';

/** Exit codes, documented in the README. */
export const ExitCode = { ok: 0, failed: 1, invalidInput: 2 } as const;

/** Output sinks, injectable for tests. */
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (progress display). */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

const defaultIO = (): CliIO => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
  env: process.env,
});

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const program = new Command('kpromo')
    .description('Promote container images between OCI registries (drop-in for kubernetes-sigs/promo-tools kpromo)')
    .version(VERSION, '--version')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .option('--log-format <format>', 'text, or json (one object per line on stderr)', 'text')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  let exit: number = ExitCode.ok;
  registerCommands(program, io, (code) => (exit = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (err) {
    return reportError(err, io);
  }
}

/** Maps an error to a message on stderr and an exit code. */
export function reportError(err: unknown, io: CliIO): number {
  if (err instanceof CommanderError) {
    // commander already printed its message; --help and --version exit 0
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
      return ExitCode.ok;
    }
    return ExitCode.invalidInput;
  }
  if (err instanceof InputError) {
    io.stderr(`error: invalid input (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):\n`);
    io.stderr(indent(formatProblems(err.problems)) + '\n');
    return ExitCode.invalidInput;
  }
  if (err instanceof NotSupportedError) {
    io.stderr(`error: not supported: ${err.message}\n`);
    return ExitCode.invalidInput;
  }
  if (err instanceof KpromoError && err.code === 'INVALID_INPUT') {
    // Invalid input found in one place (a flag's file, directory or address): one line.
    io.stderr(`error: invalid input: ${err.message}\n`);
    return ExitCode.invalidInput;
  }
  if (err instanceof RunFailedError) {
    io.stderr(`error: ${err.message}\n`);
    return ExitCode.failed;
  }
  if (err instanceof KpromoError) {
    io.stderr(`error: ${err.message}\n`);
    return ExitCode.failed;
  }
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  io.stderr(`internal error (a bug in kpromo, please report it):\n${stack}\n`);
  return ExitCode.failed;
}

const indent = (s: string): string =>
  s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
