/** What a `kpromo cip` mode runner gets besides its options: output sinks and a logger. */
import type { Logger } from '../../log.js';
import type { CliIO } from '../io.js';
import type { LogFormat } from '../log-setup.js';
import type { Terminal } from '../progress.js';

/** The runtime context of a cip run. */
export interface CipContext {
  io: CliIO;
  logger: Logger;
  /** On a terminal: the writer the logger uses, which the progress status line shares. */
  terminal?: Terminal;
  /** `--log-format`: with json, every stderr line is a JSON record (see stderrLines). */
  logFormat?: LogFormat;
}

/**
 * A writer of status lines for stderr: as they are in text, through the logger at `level` with
 * `--log-format json` (every stderr line is then a JSON record).
 */
export function stderrLines(ctx: CipContext, level: 'info' | 'warn' | 'error'): (s: string) => void {
  if (ctx.logFormat !== 'json') return ctx.io.stderr;
  return (s) => {
    for (const line of s.split('\n')) if (line.trim() !== '') ctx.logger[level](line.trim());
  };
}
