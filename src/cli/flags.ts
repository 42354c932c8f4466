/**
 * A small declarative layer over commander: flags are data (`FlagSpec`), and `FlagReader` turns
 * commander's raw values into typed ones while collecting EVERY problem, so a person sees all
 * their flag mistakes at once.
 *
 * Booleans parse as Go's pflag does: `--x`, `--x=true`, `--x=false` (values of strconv.ParseBool
 * only), and a bare `--x` never takes the next argument as its value (KpromoCommand).
 */
import { Command, Help, Option } from 'commander';
import type { Problem } from '../errors.js';

/** How a flag's value is read. */
export type FlagKind = 'bool' | 'string' | 'int' | 'list';

/** One command-line flag. */
export interface FlagSpec {
  /** Long name without dashes, e.g. `thin-manifest-dir`. */
  name: string;
  kind: FlagKind;
  description: string;
  default?: boolean | string | number;
  /** Not shown in --help (upstream hidden flags, removed flags). */
  hidden?: boolean;
  /** Set for upstream flags kpromo accepts but ignores: the warning printed when used. */
  ignored?: string;
  /** The value's name in --help, e.g. `<file>` (default: `<n>` for ints, `<value>` otherwise). */
  arg?: string;
}

/** The options that are booleans (`--x[=bool]`), for argv preparation and help. */
const BOOL_OPTIONS = new WeakSet<Option>();

/** Adds `specs` to `cmd`. */
export function addFlags(cmd: Command, specs: readonly FlagSpec[]): void {
  for (const s of specs) {
    const arg = s.kind === 'bool' ? '[bool]' : (s.arg ?? (s.kind === 'int' ? '<n>' : '<value>'));
    const opt = new Option(`--${s.name} ${arg}`, s.description);
    if (s.kind === 'bool') {
      BOOL_OPTIONS.add(opt);
      opt.default(s.default ?? false); // shown in --help; the value stays unset-looking to `explicit`
    } else if (s.default !== undefined) opt.default(s.default);
    if (s.kind === 'list') opt.argParser((v: string, prev: unknown) => [...(Array.isArray(prev) ? prev : []), v]);
    if (s.hidden) opt.hideHelp();
    cmd.addOption(opt);
  }
}

/**
 * A commander Command whose boolean flags never take the next argument: a bare `--confirm`
 * becomes `--confirm=true` before commander reads the arguments, so `--confirm REF` keeps REF
 * an operand (pflag's NoOptDefVal). Its subcommands are KpromoCommands too.
 */
export class KpromoCommand extends Command {
  override createCommand(name?: string): Command {
    return new KpromoCommand(name);
  }
  override parseOptions(argv: string[]): ReturnType<Command['parseOptions']> {
    return super.parseOptions(attachBoolValues(this.options, argv));
  }
}

/** `--flag` → `--flag=true` for the boolean options in `options`; values of other options and everything after `--` are left alone. */
export function attachBoolValues(options: readonly Option[], argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const opt = a.startsWith('--') && !a.includes('=') ? options.find((o) => o.long === a) : undefined;
    if (opt && BOOL_OPTIONS.has(opt)) out.push(`${a}=true`);
    else if (opt?.required && i + 1 < argv.length) out.push(a, argv[++i]!); // the value, even if it looks like a flag
    else out.push(a);
  }
  return out;
}

/**
 * Help for every command: booleans written `--x[=bool]`, the global options (--log-level,
 * --log-format) listed under each subcommand.
 */
export function configureKpromoHelp(program: Command): void {
  const help = new Help();
  program.configureHelp({
    showGlobalOptions: true,
    optionTerm: (o: Option) => (BOOL_OPTIONS.has(o) ? `${o.long}[=bool]` : help.optionTerm(o)),
  });
}

/** `thin-manifest-dir` → `thinManifestDir`, commander's attribute name. */
export function attributeName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Whether the user set a flag on `cmd`'s command line (vs. its default). */
export function setOnCommandLine(cmd: Command): (flag: string) => boolean {
  return (flag) => cmd.getOptionValueSource(attributeName(flag)) === 'cli';
}

/** A FlagReader over `cmd`'s parsed flags. */
export function readFlags(cmd: Command): FlagReader {
  return new FlagReader(cmd.opts(), setOnCommandLine(cmd));
}

/** Typed access to parsed flags; problems and warnings accumulate instead of throwing. */
export class FlagReader {
  readonly problems: Problem[] = [];
  readonly warnings: string[] = [];

  constructor(
    private readonly raw: Record<string, unknown>,
    /** Whether the user set the flag (vs. its default). */
    readonly explicit: (flag: string) => boolean,
  ) {}

  /** Records a problem about the flags. */
  fail(message: string): void {
    this.problems.push({ message });
  }

  /** A boolean: `--x`, `--x=true`, `--x=false`, and the other spellings of Go's strconv.ParseBool. */
  bool(flag: string): boolean {
    const v = this.value(flag);
    if (v === undefined || typeof v === 'boolean') return v ?? false;
    const b = parseBool(String(v));
    if (b !== undefined) return b;
    this.fail(`invalid value "${v}" for --${flag}: use --${flag}, --${flag}=true or --${flag}=false (also 1, 0, t, f)`);
    return false;
  }

  /** A string, or undefined when empty or unset (upstream treats "" as unset). */
  str(flag: string): string | undefined {
    const v = this.value(flag);
    return v === undefined || v === '' ? undefined : String(v);
  }

  /** An integer within [min, max]. */
  int(flag: string, min: number, max: number): number {
    const v = this.value(flag);
    const n = typeof v === 'number' ? v : /^[+-]?\d+$/.test(String(v).trim()) ? Number(v) : NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    this.fail(`invalid value "${v}" for --${flag}: use a whole number from ${min} to ${max}`);
    return typeof v === 'number' ? v : min;
  }

  /** A list: repeatable and comma-separated (pflag's StringSlice). */
  list(flag: string): string[] {
    const v = this.value(flag);
    const items = Array.isArray(v) ? v : v === undefined ? [] : [v];
    return items.flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
  }

  /** Warns about each set flag of `specs` that kpromo ignores. */
  warnIgnored(specs: readonly FlagSpec[]): void {
    for (const s of specs) if (s.ignored && this.explicit(s.name)) this.warnings.push(`--${s.name} is ignored: ${s.ignored}`);
  }

  private value(flag: string): unknown {
    return this.raw[attributeName(flag)];
  }
}

/** Go's strconv.ParseBool, exactly: these spellings and no others (so not `yes` or `tRUE`). */
export function parseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(s)) return false;
  return undefined;
}
