/**
 * A small declarative layer over commander: flags are data (`FlagSpec`), and `FlagReader` turns
 * commander's raw values into typed ones while collecting EVERY problem, so a person sees all
 * their flag mistakes at once. Booleans take an optional value (`--sign=false`), as Go's pflag does.
 */
import { Option, type Command } from 'commander';
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
}

/** Adds `specs` to `cmd`. */
export function addFlags(cmd: Command, specs: readonly FlagSpec[]): void {
  for (const s of specs) {
    const arg = s.kind === 'bool' ? '[bool]' : s.kind === 'int' ? '<n>' : s.kind === 'list' ? '<a,b,…>' : '<value>';
    const opt = new Option(`--${s.name} ${arg}`, s.description);
    if (s.default !== undefined) opt.default(s.default);
    if (s.kind === 'list') opt.argParser((v: string, prev: unknown) => [...(Array.isArray(prev) ? prev : []), v]);
    if (s.hidden) opt.hideHelp();
    cmd.addOption(opt);
  }
}

/** `thin-manifest-dir` → `thinManifestDir`, commander's attribute name. */
export function attributeName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
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

  /** A boolean: `--x`, `--x=true`, `--x=false` (also 1/0, t/f, as Go's strconv.ParseBool). */
  bool(flag: string): boolean {
    const v = this.value(flag);
    if (v === undefined || typeof v === 'boolean') return v ?? false;
    const s = String(v).toLowerCase();
    if (['true', 't', '1'].includes(s)) return true;
    if (['false', 'f', '0'].includes(s)) return false;
    this.fail(`invalid value "${v}" for --${flag}: use true or false`);
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
