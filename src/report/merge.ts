/**
 * `kpromo report merge`: the reports of the shards of one run (`--shard INDEX/COUNT`) combined
 * into one report of the same schema, as if one process had run everything: counts summed, edges
 * and outcomes concatenated, requests and bytes summed per host, and the run failed when any
 * shard failed, was interrupted, or is missing. Pure.
 */
import { InputError, type Problem } from '../errors.js';
import type { PlanSummary } from '../plan/edges.js';
import type { ReportOutcome, ReportRequests } from './promotion.js';
import type { Report, ReportEdge } from './report.js';

/** A report read from a file, named for messages. */
export interface NamedReport {
  file: string;
  report: Report;
}

/** The merged report and, when the run as a whole failed, why (exit 1). */
export interface MergedReport {
  report: Report;
  failure?: string;
}

interface ShardField {
  index: number;
  count: number;
  /** The run id (`--run-id`), when the shards were given one. */
  run?: string;
  total?: PlanSummary;
}

const SUMMARY_KEYS = ['manifests', 'images', 'digests', 'tags', 'edges'] as const;
/** Fields merged by their own rule; any other field is merged generically (mergeValues). */
const OWN_FIELDS = new Set([
  'kpromoVersion', 'mode', 'summary', 'edges', 'reportDetail', 'warnings', 'outcomes', 'counts', 'planCounts', 'presentBy',
  'requests', 'phases', 'failure', 'interrupted', 'credentials', 'shard', 'shards',
]);

/** Merges shard reports; throws InputError when they cannot be parts of one run. */
export function mergeReports(inputs: readonly NamedReport[]): MergedReport {
  if (inputs.length === 0) throw new InputError([{ message: 'report merge needs at least one report file' }]);
  checkInputs(inputs);
  const reports = inputs.map((i) => i.report);
  const shards = inputs.map((i) => shardOf(i.report));
  const label = (k: number): string => (shards[k] ? `shard ${shards[k]!.index}/${shards[k]!.count}` : inputs[k]!.file);
  const out: Report = { kpromoVersion: reports[0]!.kpromoVersion, mode: reports[0]!.mode, summary: mergeSummary(reports, shards) };

  const count = shards.find(Boolean)?.count;
  const missing = count === undefined ? [] : [...Array(count).keys()].filter((i) => !shards.some((s) => s?.index === i));
  const run = shards.find(Boolean)?.run;
  if (count !== undefined) out.shards = { count, ...(run ? { run } : {}), merged: shards.flatMap((s) => (s ? [s.index] : [])).sort((a, b) => a - b) };

  if (reports.some((r) => r.edges)) out.edges = reports.flatMap((r) => (r.edges as ReportEdge[] | undefined) ?? []);
  const details = reports.map((r) => r.reportDetail).filter((d) => d !== undefined);
  const detail = details.length === 0 ? undefined : details.every((d) => d === 'all') ? 'all' : 'changes';
  if (detail) out.reportDetail = detail;
  const warnings = [...new Set(reports.flatMap((r) => r.warnings ?? []))];
  if (warnings.length) out.warnings = warnings;
  if (reports.some((r) => r.outcomes)) {
    out.outcomes = reports.flatMap((r) => {
      const list = (r.outcomes as ReportOutcome[] | undefined) ?? [];
      // with mixed detail the merged report lists changes only, as its reportDetail says
      return detail === 'changes' && r.reportDetail === 'all' ? list.filter((o) => o.outcome !== 'already-present') : list;
    });
  }
  for (const key of ['counts', 'planCounts', 'presentBy'] as const) {
    if (reports.some((r) => r[key])) out[key] = sumCounts(reports.map((r) => r[key] as Record<string, number> | undefined));
  }
  if (reports.some((r) => r.requests)) out.requests = mergeRequests(reports.map((r) => (r.requests as ReportRequests[] | undefined) ?? []));
  if (reports.some((r) => r.phases)) out.phases = mergePhases(reports.map((r) => (r.phases as PhaseField[] | undefined) ?? []));

  const failures = reports.flatMap((r, k) => (typeof r.failure === 'string' ? [`${label(k)}: ${r.failure}`] : []));
  if (missing.length) failures.push(`missing ${missing.length === 1 ? 'shard' : 'shards'} ${missing.map((i) => `${i}/${count}`).join(', ')} (no report given)`);
  if (failures.length) out.failure = failures.join('; ');
  const interrupted = reports.findIndex((r) => r.interrupted);
  if (interrupted >= 0) {
    const i = reports[interrupted]!.interrupted as { phase: string; reason: string };
    out.interrupted = { phase: i.phase, reason: `${label(interrupted)}: ${i.reason}` };
  }
  const credentials = dedupe(reports.flatMap((r) => (Array.isArray(r.credentials) ? (r.credentials as unknown[]) : [])));
  if (credentials.length) out.credentials = credentials;
  for (const r of reports) {
    for (const [k, v] of Object.entries(r)) if (!OWN_FIELDS.has(k)) out[k] = k in out ? mergeValues(out[k], v) : v;
  }
  const failure = out.failure as string | undefined;
  return { report: out, ...(failure ? { failure } : interrupted >= 0 ? { failure: (out.interrupted as { reason: string }).reason } : {}) };
}

/**
 * Reports of different runs (run id, mode, version, shard count, the whole plan's summary) or a
 * shard given twice or out of range cannot be merged.
 */
function checkInputs(inputs: readonly NamedReport[]): void {
  const problems: Problem[] = [];
  const first = inputs[0]!.report;
  const seen = new Map<number, string>();
  let count: number | undefined;
  let total: PlanSummary | undefined;
  const runs = new Map<string | undefined, string>();
  for (const { file, report } of inputs) {
    if (typeof report !== 'object' || report === null || typeof report.mode !== 'string' || typeof report.summary !== 'object') {
      problems.push({ message: `${file}: not a kpromo report (no mode or summary)` });
      continue;
    }
    if (report.mode !== first.mode) problems.push({ message: `${file}: mode ${report.mode} differs from ${inputs[0]!.file} (${first.mode}): reports of one run have one mode` });
    if (report.kpromoVersion !== first.kpromoVersion) {
      problems.push({ message: `${file}: kpromo ${String(report.kpromoVersion)} differs from ${inputs[0]!.file} (${String(first.kpromoVersion)}): the shards of one run run one version` });
    }
    const s = shardOf(report);
    if (!s) {
      if (inputs.length > 1) problems.push({ message: `${file}: not a shard report (no "shard" field): only the reports of --shard runs are merged` });
      continue;
    }
    count ??= s.count;
    if (s.count !== count) problems.push({ message: `${file}: shard ${s.index}/${s.count} is from a run split ${s.count} ways, not ${count}` });
    if (s.index < 0 || s.index >= s.count) problems.push({ message: `${file}: shard ${s.index}/${s.count} is not a shard of a run split ${s.count} ways (0 to ${s.count - 1})` });
    total ??= s.total;
    if (total && s.total && SUMMARY_KEYS.some((k) => s.total![k] !== total![k])) {
      problems.push({ message: `${file}: shard ${s.index}/${s.count} planned ${s.total.edges} edges in all, ${inputs[0]!.file}'s run ${total.edges} (${describeTotal(s.total)} vs ${describeTotal(total)}): reports of different manifests, not of one run` });
    }
    if (!runs.has(s.run)) runs.set(s.run, file);
    const prior = seen.get(s.index);
    if (prior) problems.push({ message: `${file}: shard ${s.index}/${s.count} is also in ${prior}` });
    seen.set(s.index, file);
  }
  if (runs.size > 1) {
    const named = [...runs].map(([run, file]) => (run === undefined ? `${file} has no run id` : `${file} is of run ${JSON.stringify(run)}`));
    problems.push({ message: `shard reports of different runs: ${named.join(', ')} (--run-id, $KPROMO_RUN_ID or $GITHUB_RUN_ID name a run)` });
  }
  if (problems.length) throw new InputError(problems);
}

const describeTotal = (t: PlanSummary): string => SUMMARY_KEYS.map((k) => `${t[k]} ${k}`).join(', ');

function shardOf(r: Report): ShardField | undefined {
  const s = r.shard as ShardField | undefined;
  return s && Number.isInteger(s.index) && Number.isInteger(s.count) ? s : undefined;
}

/** The whole plan's summary when every shard carries the same one, else the shards' summed (manifests: the largest). */
function mergeSummary(reports: readonly Report[], shards: readonly (ShardField | undefined)[]): PlanSummary {
  const totals = shards.map((s) => s?.total);
  const t0 = totals[0];
  if (t0 && totals.every((t) => t && SUMMARY_KEYS.every((k) => t[k] === t0[k]))) {
    const edges = reports.reduce((n, r) => n + (r.summary.edges ?? 0), 0);
    // every shard present: the whole plan; else the plan of the shards given, images as summed
    if (shards.length === shards[0]!.count) return { ...t0 };
    return { ...summed(reports), manifests: t0.manifests, edges };
  }
  return summed(reports);
}

function summed(reports: readonly Report[]): PlanSummary {
  const s: PlanSummary = { manifests: 0, images: 0, digests: 0, tags: 0, edges: 0 };
  for (const r of reports) {
    for (const k of SUMMARY_KEYS) s[k] = k === 'manifests' ? Math.max(s[k], r.summary[k] ?? 0) : s[k] + (r.summary[k] ?? 0);
  }
  return s;
}

function sumCounts(parts: readonly (Record<string, number> | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Requests per host summed over shards; peakInFlight summed too (the shards may run at the same time, so it is an upper bound). */
function mergeRequests(parts: readonly ReportRequests[][]): ReportRequests[] {
  const byHost = new Map<string, ReportRequests>();
  for (const list of parts) {
    for (const h of list) {
      const m = byHost.get(h.host);
      if (!m) {
        byHost.set(h.host, { ...h, byKind: { ...h.byKind } });
        continue;
      }
      for (const k of ['requests', 'retries', 'throttled', 'waitedMs', 'networkErrors', 'peakInFlight', 'bytesIn', 'bytesOut'] as const) m[k] += h[k];
      const kinds = m.byKind as Record<string, number>;
      for (const [k, v] of Object.entries(h.byKind as Record<string, number>)) kinds[k] = (kinds[k] ?? 0) + v;
    }
  }
  return [...byHost.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}

interface PhaseField {
  name: string;
  durationMs: number;
  result: string;
}

const RESULT_RANK: Record<string, number> = { ok: 0, stopped: 1, interrupted: 2, failed: 3 };

/** Phases by name in first-seen order: the longest duration (shards run side by side) and the worst result. */
function mergePhases(parts: readonly PhaseField[][]): PhaseField[] {
  const byName = new Map<string, PhaseField>();
  for (const list of parts) {
    for (const p of list) {
      const m = byName.get(p.name);
      if (!m) byName.set(p.name, { ...p });
      else {
        m.durationMs = Math.max(m.durationMs, p.durationMs);
        if ((RESULT_RANK[p.result] ?? 4) > (RESULT_RANK[m.result] ?? 4)) m.result = p.result;
      }
    }
  }
  return [...byName.values()];
}

function dedupe(items: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = JSON.stringify(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Any other field: arrays concatenated, numbers summed, objects merged key by key, else the first value kept. */
export function mergeValues(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? mergeValues(out[k], v) : v;
    return out;
  }
  return a;
}
