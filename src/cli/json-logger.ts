/**
 * `--log-format json`: one JSON object per line on stderr (`{"time","level","msg",…fields}`),
 * for log collectors. Same filtering as the text logger; errors become their message.
 */
import { RecordLogger, type LogFields, type LogLevel, type LogRecord, type Logger } from '../log.js';

/** A logger writing JSON lines to `write` (normally stderr). */
export class JsonLogger extends RecordLogger {
  constructor(
    private readonly write: (s: string) => void,
    level: LogLevel = 'info',
    bindings: LogFields = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    super(level, bindings);
  }
  protected withBindings(bindings: LogFields): Logger {
    return new JsonLogger(this.write, this.level, bindings, this.now);
  }
  protected emit({ level, msg, fields }: LogRecord): void {
    // fields first, so they can never overwrite time/level/msg
    const record = { ...fields, time: this.now().toISOString(), level, msg };
    this.write(JSON.stringify(record, replacer) + '\n');
  }
}

/** Errors as their message, bigints as strings: JSON.stringify would drop or throw on them. */
function replacer(_key: string, v: unknown): unknown {
  if (v instanceof Error) return v.message;
  if (typeof v === 'bigint') return v.toString();
  return v;
}
