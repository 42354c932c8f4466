/**
 * The JSON run report (`--report-file`). `--parse-only` fills the summary and the edges; later
 * phases add optional fields (outcomes, requests, …), so readers must ignore unknown fields.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { KpromoError, formatProblem, type Problem } from '../errors.js';
import type { Edge } from '../plan/edge.js';
import type { PlanSummary } from '../plan/edges.js';
import { redact } from '../redact.js';
import { VERSION } from '../version.js';

/** What kind of run produced the report. */
export type ReportMode = 'parse-only' | 'dry-run' | 'promote' | 'snapshot';

/**
 * Which edges a dry-run or promotion report lists: `changes` (default) those written, failed,
 * refused or lost, with counts for the rest, so the report grows with the change; `all` every
 * edge (and, for present ones, how they are known present). A parse-only report lists every edge.
 */
export type ReportDetail = 'changes' | 'all';

/** One edge as written in the report (`tag` null when tagless). */
export interface ReportEdge {
  srcRegistry: string;
  srcImage: string;
  dstRegistry: string;
  dstImage: string;
  digest: string;
  tag: string | null;
}

/** The report document. Phases after plan add optional fields here. */
export interface Report {
  kpromoVersion: string;
  mode: ReportMode;
  summary: PlanSummary;
  /** Every edge: always in a parse-only report, else with `--report-detail all`. */
  edges?: ReportEdge[];
  /** Which edges `outcomes` lists (absent in a parse-only report). */
  reportDetail?: ReportDetail;
  /** Non-fatal warnings of the run, rendered as `file:line:col: message`. */
  warnings?: string[];
  [extra: string]: unknown;
}

/** Builds the report of a planned run; the edges are listed in a parse-only report, or when `detail` is `all`. */
export function buildReport(
  mode: ReportMode,
  summary: PlanSummary,
  edges: readonly Edge[],
  warnings: readonly Problem[] = [],
  detail: ReportDetail = 'all',
): Report {
  const report: Report = { kpromoVersion: VERSION, mode, summary };
  if (mode === 'parse-only' || detail === 'all') report.edges = edges.map(reportEdge);
  if (mode !== 'parse-only') report.reportDetail = detail;
  if (warnings.length) report.warnings = warnings.map(formatProblem);
  return report;
}

/** An edge in the report's shape (plain strings, fixed key order). */
export function reportEdge(e: Edge): ReportEdge {
  return {
    srcRegistry: e.srcRegistry,
    srcImage: e.srcImage,
    dstRegistry: e.dstRegistry,
    dstImage: e.dstImage,
    digest: e.digest,
    tag: e.tag,
  };
}

/**
 * Writes `report` as JSON atomically (temp file in the same folder, then rename), so a reader
 * never sees half a report; secrets in its strings are redacted (redact.ts).
 */
export async function writeReport(file: string, report: Report): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // every string value redacted: errors quoted from dependencies may carry tokens
    await writeFile(tmp, JSON.stringify(report, (_k, v: unknown) => (typeof v === 'string' ? redact(v) : v), 2) + '\n', { mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new KpromoError('REPORT_WRITE_FAILED', `writing report ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Checks at setup that `file` can be written as writeReport writes it: its folder exists, is a
 * folder, and takes a new file (probed by creating and removing one), and `file` is not a folder.
 * Returns what is wrong, or undefined.
 */
export async function checkReportTarget(file: string): Promise<string | undefined> {
  const dir = dirname(file);
  try {
    if (!(await stat(dir)).isDirectory()) return `the report's folder ${dir} is not a folder`;
  } catch (err) {
    return `the report's folder ${dir} does not exist or cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory()) return `the report file ${file} is a folder`;
  const probe = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.probe`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (err) {
    return `the report's folder ${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  } finally {
    await rm(probe, { force: true });
  }
  return undefined;
}
