/**
 * Renders library progress events (src/progress.ts) for a person: one self-overwriting status
 * line on a terminal ("promote  12/40 image × destination copies  3.1 MiB/9.8 MiB"); when stderr
 * is not a terminal (a CI log), the same line as a plain line every few seconds while a phase runs
 * (a phase shorter than that prints nothing); and the numbers for a short summary at the end.
 *
 * One Terminal owns stderr while a status line is shown: log lines are written through it, so
 * each is printed above the status line (erase, log line, redraw) and never into it.
 */
import type { ProgressAmount, ProgressSink } from '../progress.js';

/** What one phase did. */
export interface PhaseStats {
  name: string;
  images: number;
  bytes: number;
  totalImages?: number;
  totalBytes?: number;
  ms: number;
}

/**
 * The writer of a terminal's stderr: whole lines go above the status line, which is redrawn
 * after them; the status line is erased, not left behind, when it ends.
 */
export class Terminal {
  private status = '';
  constructor(private readonly raw: (s: string) => void) {}

  /** Writes whole lines (ending in a newline) above the status line. */
  readonly write = (s: string): void => {
    this.raw(this.status ? `${CLEAR}${s}${this.status}` : s);
  };

  /** Shows `line` as the status line, replacing the previous one. */
  setStatus(line: string): void {
    this.status = line;
    this.raw(CLEAR + line);
  }

  /** Erases the status line. */
  clearStatus(): void {
    if (!this.status) return;
    this.status = '';
    this.raw(CLEAR);
  }
}

/** What a phase's count counts, for the status line and the summary. */
const UNITS: Record<string, string> = { promote: 'image × destination copies', snapshot: 'images', plan: 'repositories' };
const unitOf = (phase: string): string => UNITS[phase] ?? 'items';

/** Where and how to render. */
export interface ProgressRendererOptions {
  write: (s: string) => void;
  /** The terminal that log lines are written through (so they land above the status line). */
  terminal?: Terminal;
  /** Draw the status line only on a terminal. */
  isTTY: boolean;
  /** Milliseconds clock (injectable for tests). */
  now?: () => number;
  /** Redraw at most this often, so a fast copy does not flood the terminal. */
  minIntervalMs?: number;
  /** Not on a terminal: a plain line this often while a phase runs (default 5 s). */
  plainIntervalMs?: number;
  /** Runs `fn` every `ms` until the returned function is called (injectable for tests). */
  every?: (ms: number, fn: () => void) => () => void;
}

/** Period of plain progress lines in a log. */
const DEFAULT_PLAIN_INTERVAL_MS = 5000;

const realEvery = (ms: number, fn: () => void): (() => void) => {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
};

/** Redraw period: fast enough to look live, slow enough to cost nothing. */
const DEFAULT_INTERVAL_MS = 100;
/** ANSI "carriage return, erase line". */
const CLEAR = '\r\x1b[2K';

/** A ProgressSink that draws a status line on a terminal and keeps per-phase statistics. */
export class ProgressRenderer implements ProgressSink {
  private readonly phases: PhaseStats[] = [];
  private current: (PhaseStats & { start: number }) | undefined;
  private lastDraw = -Infinity;
  private readonly now: () => number;
  private readonly interval: number;
  private readonly terminal: Terminal;
  private stopPlain: (() => void) | undefined;

  constructor(private readonly opts: ProgressRendererOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.interval = opts.minIntervalMs ?? DEFAULT_INTERVAL_MS;
    this.terminal = opts.terminal ?? new Terminal(opts.write);
  }

  phase(name: string, total: ProgressAmount = {}): void {
    this.endPhase();
    this.current = { name, images: 0, bytes: 0, totalImages: total.images, totalBytes: total.bytes, ms: 0, start: this.now() };
    this.draw(true);
    if (!this.opts.isTTY) {
      const every = this.opts.every ?? realEvery;
      this.stopPlain = every(this.opts.plainIntervalMs ?? DEFAULT_PLAIN_INTERVAL_MS, () => this.plainLine());
    }
  }

  advance(done: ProgressAmount): void {
    if (!this.current) this.phase('run');
    this.current!.images += done.images ?? 0;
    this.current!.bytes += done.bytes ?? 0;
    this.draw(false);
  }

  grow(more: ProgressAmount): void {
    const c = this.current;
    if (!c) return;
    if (more.images) c.totalImages = (c.totalImages ?? 0) + more.images;
    if (more.bytes) c.totalBytes = (c.totalBytes ?? 0) + more.bytes;
  }

  /** Ends the last phase, erases the status line, and returns what every phase did. */
  finish(): PhaseStats[] {
    this.endPhase();
    return [...this.phases];
  }

  private plainLine(): void {
    const c = this.current;
    if (c) this.opts.write(`${statusLine(c)}  (${formatDuration(this.now() - c.start)})\n`);
  }

  private endPhase(): void {
    this.stopPlain?.();
    this.stopPlain = undefined;
    const c = this.current;
    if (!c) return;
    if (this.opts.isTTY) this.terminal.clearStatus();
    const { start, ...stats } = c;
    this.phases.push({ ...stats, ms: this.now() - start });
    this.current = undefined;
  }

  private draw(force: boolean): void {
    if (!this.opts.isTTY || !this.current) return;
    const t = this.now();
    if (!force && t - this.lastDraw < this.interval) return;
    this.lastDraw = t;
    this.terminal.setStatus(statusLine(this.current));
  }
}

/** "promote  12/40 image × destination copies  3.1 MiB/9.8 MiB" (totals shown when known). */
export function statusLine(s: Omit<PhaseStats, 'ms'>): string {
  const parts = [s.name.padEnd(10)];
  if (s.images || s.totalImages) parts.push(`${s.images}${s.totalImages !== undefined ? `/${s.totalImages}` : ''} ${unitOf(s.name)}`);
  if (s.bytes || s.totalBytes) parts.push(`${formatBytes(s.bytes)}${s.totalBytes !== undefined ? `/${formatBytes(s.totalBytes)}` : ''}`);
  return parts.join('  ');
}

/** The short end-of-run summary: images and bytes of the phases that moved them, and the time. */
export function formatSummary(phases: readonly PhaseStats[]): string {
  const ms = phases.reduce((a, p) => a + p.ms, 0);
  // the plan's units are repositories read, not images moved: its line shows while it runs only
  const busy = phases.filter((p) => p.name !== 'plan' && (p.images || p.bytes));
  const work = busy.map((p) => `${p.name}: ${p.images} ${unitOf(p.name)}${p.bytes ? `, ${formatBytes(p.bytes)}` : ''}`);
  return `${work.length ? work.join('; ') : 'nothing to do'} (${formatDuration(ms)})`;
}

/** Bytes in binary units, one decimal from KiB up. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Milliseconds as "850ms", "12.3s" or "4m05s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
