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

/**
 * The shared mechanics of a logger: level filtering, bindings, children. A subclass only says
 * how to emit one record (text line, JSON line, in-memory list).
 */
export abstract class RecordLogger implements Logger {
  constructor(
    protected readonly level: LogLevel = 'debug',
    protected readonly bindings: LogFields = {},
  ) {}
  /** Emits one record that passed the level filter; fields already include the bindings. */
  protected abstract emit(record: LogRecord): void;
  /** A logger of the same kind with more bindings. */
  protected abstract withBindings(bindings: LogFields): Logger;

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }
  child(bindings: LogFields): Logger {
    return this.withBindings({ ...this.bindings, ...bindings });
  }
  private log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (LOG_LEVELS[level] < LOG_LEVELS[this.level]) return;
    this.emit({ level, msg, fields: { ...this.bindings, ...fields } });
  }
}

/** A logger that records lines in memory, for tests. Children share the record list. */
export class MemoryLogger extends RecordLogger {
  constructor(
    readonly records: LogRecord[] = [],
    bindings: LogFields = {},
  ) {
    super('debug', bindings);
  }
  protected emit(record: LogRecord): void {
    this.records.push(record);
  }
  protected withBindings(bindings: LogFields): Logger {
    return new MemoryLogger(this.records, bindings);
  }
}
