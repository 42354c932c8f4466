/**
 * The CLI's Logger: one text line per record on stderr (`level msg key=value …`), filtered by
 * `--log-level`. stdout stays free for command output (summaries, snapshots).
 */
import { InputError } from '../errors.js';
import { LOG_LEVELS, type LogFields, type LogLevel, type Logger } from '../log.js';

/** Parses a `--log-level` value (upstream uses logrus names; `warning` and `fatal`/`panic` map to ours). */
export function parseLogLevel(s: string): LogLevel {
  const v = s.trim().toLowerCase();
  if (v === 'warning') return 'warn';
  if (v === 'fatal' || v === 'panic') return 'error';
  if (v === 'trace') return 'debug';
  if (v in LOG_LEVELS) return v as LogLevel;
  throw new InputError([{ message: `invalid --log-level "${s}": use debug, info, warn or error` }]);
}

/** A text logger writing to `write` (normally stderr). */
export class TextLogger implements Logger {
  constructor(
    private readonly write: (s: string) => void,
    private readonly level: LogLevel = 'info',
    private readonly bindings: LogFields = {},
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
    return new TextLogger(this.write, this.level, { ...this.bindings, ...bindings });
  }

  private log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (LOG_LEVELS[level] < LOG_LEVELS[this.level]) return;
    const all = { ...this.bindings, ...fields };
    const kv = Object.entries(all)
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
