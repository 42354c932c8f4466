/** What a `kpromo cip` mode runner gets besides its options: output sinks and a logger. */
import type { Logger } from '../../log.js';
import type { CliIO } from '../main.js';
import type { Terminal } from '../progress.js';

/** The runtime context of a cip run. */
export interface CipContext {
  io: CliIO;
  logger: Logger;
  /** On a terminal: the writer the logger uses, which the progress status line shares. */
  terminal?: Terminal;
}
