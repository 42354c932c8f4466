/**
 * The CLI's Logger: one text line per record on stderr (`level msg key=value …`), filtered by
 * `--log-level`. stdout stays free for command output (summaries, snapshots).
 */
import { InputError } from '../errors.js';
import { LOG_LEVELS, RecordLogger, type LogFields, type LogLevel, type LogRecord, type Logger } from '../log.js';

/** Parses a `--log-level` value (upstream uses logrus names; `warning` and `fatal`/`panic` map to ours). */
export function parseLogLevel(s: string): LogLevel {
  const v = s.trim().toLowerCase();
  if (v === 'warning') return 'warn';
  if (v === 'fatal' || v === 'panic') return 'error';
  if (v === 'trace') return 'debug';
  if (v in LOG_LEVELS) return v as LogLevel;
  throw new InputError([{ message: `invalid --log-level "${s}": use trace or debug, info, warn, error` }]);
}

/** A text logger writing to `write` (normally stderr). */
export class TextLogger extends RecordLogger {
  constructor(
    private readonly write: (s: string) => void,
    level: LogLevel = 'info',
    bindings: LogFields = {},
  ) {
    super(level, bindings);
  }
  protected withBindings(bindings: LogFields): Logger {
    return new TextLogger(this.write, this.level, bindings);
  }
  protected emit({ level, msg, fields }: LogRecord): void {
    const kv = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${formatValue(v)}`);
    this.write(`${level.padEnd(5)} ${[msg, ...kv].join(' ')}\n`);
  }
}

/** Values are quoted only when they contain spaces or quotes, so lines stay greppable. */
function formatValue(v: unknown): string {
  const s = typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v);
  return /[\s"=]/.test(s ?? '') ? JSON.stringify(s) : String(s);
}
