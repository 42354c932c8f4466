/**
 * Builds the CLI's logger from the global flags: `--log-level` and `--log-format text|json`.
 */
import { InputError } from '../errors.js';
import type { Logger } from '../log.js';
import { JsonLogger } from './json-logger.js';
import { parseLogLevel, TextLogger } from './logger.js';

/** The `--log-format` values. */
export type LogFormat = 'text' | 'json';

/** Parses `--log-format`. */
export function parseLogFormat(s: string): LogFormat {
  const v = s.trim().toLowerCase();
  if (v === 'text' || v === 'json') return v;
  throw new InputError([{ message: `invalid --log-format "${s}": use text or json` }]);
}

/** The logger for `--log-level` and `--log-format`, writing to `write` (stderr). */
export function createCliLogger(opts: { level?: string; format?: string; write: (s: string) => void }): Logger {
  const level = parseLogLevel(opts.level ?? 'info');
  return parseLogFormat(opts.format ?? 'text') === 'json' ? new JsonLogger(opts.write, level) : new TextLogger(opts.write, level);
}
