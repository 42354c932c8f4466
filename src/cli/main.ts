/**
 * The kpromo command line. The only place that prints or chooses exit codes:
 * 0 success, 1 a run that failed part-way, 2 invalid input (nothing was attempted), 130/143
 * interrupted by SIGINT/SIGTERM (signals.ts). Everything it prints goes through redact().
 */
import { CommanderError } from 'commander';
import { InputError, InterruptedError, KpromoError, NotSupportedError, RunFailedError, formatProblem, formatProblems } from '../errors.js';
import { registerCommands } from './commands/index.js';
import { configureKpromoHelp, KpromoCommand } from './flags.js';
import { ExitCode, type CliIO } from './io.js';
import { redact } from '../redact.js';
import { VERSION } from '../version.js';
import { boundHeapGrowth } from './heap.js';
import { signalExitCode } from './signals.js';

export { ExitCode, type CliIO } from './io.js';

/** A reader that went away (`kpromo … | head`) ends the output quietly, not the process with a stack trace. */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    });
  }
  return stream;
}
const guarded = new WeakSet<NodeJS.WriteStream>();

const defaultIO = (): CliIO => ({
  stdout: (s) => endQuietlyOnClosedPipe(process.stdout).write(s),
  stderr: (s) => endQuietlyOnClosedPipe(process.stderr).write(s),
  isTTY: Boolean(process.stderr.isTTY),
  env: process.env,
});

/** `io` with every line written through redact(): no secret reaches stdout or stderr, whoever wrote it. */
export function redactingIO(io: CliIO): CliIO {
  return { ...io, stdout: (s) => io.stdout(redact(s)), stderr: (s) => io.stderr(redact(s)) };
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], rawIO: CliIO = defaultIO()): Promise<number> {
  boundHeapGrowth();
  const io = redactingIO(rawIO);
  // with --log-format json, the final error lines (and commander's) are JSON records too
  const json = jsonRequested(argv);
  const errIo = json ? { ...io, stderr: jsonLines(io.stderr) } : io;
  const program = new KpromoCommand('kpromo')
    .description('Promote container images between OCI registries (drop-in for kubernetes-sigs/promo-tools kpromo)')
    .version(VERSION, '--version')
    .option('--log-level <level>', 'trace or debug (the same), info, warn (or warning), error (or fatal, panic)', 'info')
    .option('--log-format <text|json>', 'text, or json (one object per line on stderr, every line)', 'text')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: errIo.stderr });
  configureKpromoHelp(program);
  let exit: number = ExitCode.ok;
  registerCommands(program, io, (code) => (exit = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (err) {
    return reportError(err, errIo, json ? io.stderr : undefined);
  }
}

/** Whether `--log-format json` was asked for (read from argv: the error may come from parsing itself). */
export function jsonRequested(argv: readonly string[]): boolean {
  const i = argv.lastIndexOf('--log-format');
  const eq = [...argv].reverse().find((a) => a.startsWith('--log-format='));
  const v = eq !== undefined && argv.lastIndexOf(eq) > i ? eq.slice('--log-format='.length) : i >= 0 ? argv[i + 1] : undefined;
  return v?.trim().toLowerCase() === 'json';
}

/** A writer that turns text lines into JSON log records (the final error of a --log-format json run). */
function jsonLines(write: (s: string) => void, now: () => Date = () => new Date()): (s: string) => void {
  return (s) => {
    for (const line of s.split('\n').filter((l) => l.trim() !== '')) {
      const msg = line.replace(/^error: /, '').trim();
      write(JSON.stringify({ time: now().toISOString(), level: 'error', msg }) + '\n');
    }
  };
}

/** Maps an error to a message on stderr and an exit code; `jsonWrite` set: invalid input is one JSON record with its problems. */
export function reportError(err: unknown, io: CliIO, jsonWrite?: (s: string) => void): number {
  if (err instanceof CommanderError) {
    // commander already printed its message; --help and --version exit 0
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
      return ExitCode.ok;
    }
    return ExitCode.invalidInput;
  }
  if (err instanceof InputError && jsonWrite) {
    const record = { time: new Date().toISOString(), level: 'error', msg: 'invalid input', problems: err.problems.map(formatProblem) };
    jsonWrite(JSON.stringify(record) + '\n');
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
  if (err instanceof InterruptedError) {
    // a signal before the pipeline began (the pipeline itself reports what it did and exits the same way)
    io.stderr(`${err.message} before the run started: nothing was written\n`);
    return signalExitCode(err.signal);
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
