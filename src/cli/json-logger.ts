/**
 * `--log-format json`: one JSON object per line on stderr (`{"time","level","msg",…fields}`),
 * for log collectors. Same filtering as the text logger; errors become their message.
 */
import { LOG_LEVELS, type LogFields, type LogLevel, type Logger } from '../log.js';

/** A logger writing JSON lines to `write` (normally stderr). */
export class JsonLogger implements Logger {
  constructor(
    private readonly write: (s: string) => void,
    private readonly level: LogLevel = 'info',
    private readonly bindings: LogFields = {},
    private readonly now: () => Date = () => new Date(),
  ) {}

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
    return new JsonLogger(this.write, this.level, { ...this.bindings, ...bindings }, this.now);
  }

  private log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (LOG_LEVELS[level] < LOG_LEVELS[this.level]) return;
    // fields first, so they can never overwrite time/level/msg
    const record = { ...this.bindings, ...fields, time: this.now().toISOString(), level, msg };
    this.write(JSON.stringify(record, replacer) + '\n');
  }
}

/** Errors as their message, bigints as strings: JSON.stringify would drop or throw on them. */
function replacer(_key: string, v: unknown): unknown {
  if (v instanceof Error) return v.message;
  if (typeof v === 'bigint') return v.toString();
  return v;
}
