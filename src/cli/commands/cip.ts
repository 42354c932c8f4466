/**
 * `kpromo cip`: flags → CipOptions → the runner of the selected mode (promotion, snapshot,
 * or upstream's scan mode, which needs GCP Grafeas and is not supported). The runners are
 * imported when a run needs them, so `--help` and flag errors do not load the pipeline.
 */
import type { Command } from 'commander';
import { InputError, NotSupportedError, type Problem } from '../../errors.js';
import type { LogLevel } from '../../log.js';
import { addCipFlags, toCipOptions, type CipOptions } from '../cip-options.js';
import { setOnCommandLine } from '../flags.js';
import { parseLogLevel } from '../logger.js';
import { createCliLogger, parseLogFormat } from '../log-setup.js';
import type { CliIO, SetExit } from '../io.js';
import { Terminal } from '../progress.js';
import type { CipContext } from './cip-context.js';

/** Registers `kpromo cip` on `program`. */
export function register(program: Command, io: CliIO, setExit: SetExit): void {
  const cmd = program
    .command('cip')
    .description('promote container images as the manifests say (container image promoter)')
    .addHelpText(
      'after',
      '\nExit codes: 0 success (a dry run: the --confirm run is expected to succeed), 1 a run that failed part-way ' +
        '(a dry run: the --confirm run would fail), 2 invalid input or setup (nothing was attempted), ' +
        '130/143 interrupted by SIGINT/SIGTERM (report written, every edge marked).',
    );
  addCipFlags(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const { options, level } = parseCipCommand(command, io.env);
    // on a terminal, log lines go through the Terminal so they print above the progress line
    const terminal = io.isTTY ? new Terminal(io.stderr) : undefined;
    const logFormat = parseLogFormat(String(command.optsWithGlobals().logFormat ?? 'text'));
    const logger = createCliLogger({ level, format: logFormat, write: terminal?.write ?? io.stderr });
    for (const w of options.warnings) logger.warn(w);
    setExit(await runCip(options, { io, logger, terminal, logFormat }));
  });
}

/** Reads the options and the global --log-level of a parsed cip command, reporting all flag problems together. */
function parseCipCommand(command: Command, env: NodeJS.ProcessEnv): { options: CipOptions; level: LogLevel } {
  const problems: Problem[] = [];
  const collect = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const level = collect(() => parseLogLevel(String(command.optsWithGlobals().logLevel ?? 'info')));
  const options = collect(() => toCipOptions(command.opts(), setOnCommandLine(command), env));
  if (problems.length || !options || !level) throw new InputError(problems);
  return { options, level };
}

/** Dispatches to the runner of `opts.mode`; returns the exit code. */
export async function runCip(opts: CipOptions, ctx: CipContext): Promise<number> {
  switch (opts.mode) {
    case 'snapshot':
      return (await import('./cip-snapshot.js')).runSnapshot(opts, ctx);
    case 'scan':
      throw new NotSupportedError(
        `--vuln-severity-threshold ${opts.scan.vulnSeverityThreshold} selects upstream's vulnerability scan mode, which reads GCP Container Analysis (Grafeas); kpromo does not support it. Leave the flag unset (or -1) to promote`,
      );
    case 'promotion':
      return (await import('./cip-promote.js')).runPromotion(opts, ctx);
  }
}
