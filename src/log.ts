/**
 * Logging seam. The library logs through this interface and never writes to stdout/stderr
 * itself; the CLI supplies an implementation (text on a terminal, JSON on request).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields attached to a log line. Never put credentials here. */
export type LogFields = Record<string, unknown>;

/** A structured logger. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: LogFields): Logger;
}

/** One recorded log line (MemoryLogger). */
export interface LogRecord {
  level: LogLevel;
  msg: string;
  fields: LogFields;
}

/** Ordering of levels, for filtering. */
export const LOG_LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger that drops everything. */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLogger;
  },
};

/** A logger that records lines in memory, for tests. Children share the record list. */
export class MemoryLogger implements Logger {
  constructor(
    readonly records: LogRecord[] = [],
    private readonly bindings: LogFields = {},
  ) {}
  private push(level: LogLevel, msg: string, fields?: LogFields): void {
    this.records.push({ level, msg, fields: { ...this.bindings, ...fields } });
  }
  debug(msg: string, fields?: LogFields): void {
    this.push('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.push('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.push('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.push('error', msg, fields);
  }
  child(bindings: LogFields): Logger {
    return new MemoryLogger(this.records, { ...this.bindings, ...bindings });
  }
}
