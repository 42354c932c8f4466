/** The benchmark's markdown table: one row per scenario, kpromo against the floor and skopeo. */
import type { Measurement } from './scenarios.js';

const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
const sec = (ms: number) => (ms / 1000).toFixed(2);

/** Requests the floor does not count: the plan's tag lists, HEADs and referrer lists (also any HEAD after the copy). */
const planReads = (m: Measurement): number => (m.byKind.tags ?? 0) + (m.byKind['manifest-head'] ?? 0) + (m.byKind.referrers ?? 0);

/** Renders the results as markdown (a header line, then the table). */
export function formatTable(meta: { mode: string; mirrors: number; kpromoQps: string; workload: { images: number; childManifests: number; uniqueBlobs: number; uniqueBytes: number }; cpus: number; date: string }, results: Measurement[]): string {
  const w = meta.workload;
  const lines = [
    `Benchmark (${meta.mode}): staging + ${meta.mirrors} Distribution mirrors on loopback, ${w.images} images ` +
      `(${w.childManifests} child manifests), ${w.uniqueBlobs} unique blobs, ${mib(w.uniqueBytes)} MiB unique; kpromo --registry-qps ${meta.kpromoQps}; ${meta.cpus} CPUs; ${meta.date.slice(0, 10)}`,
    '',
    '| Scenario | kpromo wall (s) | skopeo wall (s) | kpromo / skopeo | kpromo requests | floor (old per-host floor) | requests / floor | … without the plan reads (lists, HEADs) | skopeo requests | source bytes / unique | 429s (after 1st window) | retries | waited (s, Σ over requests) | peak RSS (MiB) | verified |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const loopback = results.filter((r) => !r.latencyMs);
  const scenarios = [...new Set(loopback.map((r) => r.scenario))];
  for (const s of scenarios) {
    const kp = loopback.find((r) => r.scenario === s && r.tool === 'kpromo');
    const sk = loopback.find((r) => r.scenario === s && r.tool === 'skopeo');
    if (!kp) continue;
    const cells = [
      s,
      sec(kp.wallMs) + (kp.ok ? '' : ' (failed)'),
      sk ? sec(sk.wallMs) + (sk.ok ? '' : ' (failed)') : '–',
      sk ? (kp.wallMs / sk.wallMs).toFixed(2) : '–',
      String(kp.requests),
      `${kp.floor.total} (${kp.floor.perHost.total})`,
      (kp.requests / kp.floor.total).toFixed(2),
      `${((kp.requests - planReads(kp)) / kp.floor.total).toFixed(2)} (−${planReads(kp)})`,
      sk ? String(sk.requests) : '–',
      (kp.sourceBlobBytes / kp.uniqueBytes).toFixed(2),
      `${kp.throttled} (${kp.throttledAfterFirst})`,
      String(kp.retries ?? '–'),
      kp.waitedMs === undefined ? '–' : sec(kp.waitedMs),
      kp.peakRss === undefined ? '–' : mib(kp.peakRss),
      kp.verified && (!sk || sk.verified) ? 'yes' : `kpromo ${kp.verified ? 'yes' : 'NO'}, skopeo ${sk?.verified ? 'yes' : 'NO'}`,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const far = results.filter((r) => r.latencyMs);
  if (far.length) lines.push('', ...formatLatencyTable(far));
  return lines.join('\n') + '\n';
}

/**
 * The runs under latency: walls of both tools, and performance.md §4's time floor (busiest host's
 * requests ÷ its req/s, plus the dependency depth × the round trip) with the targets
 * (kpromo cold ≤ 0.25 × skopeo, ≤ 1.5 × the time floor).
 */
function formatLatencyTable(results: Measurement[]): string[] {
  const lines = [
    '| Scenario | RTT (ms) | kpromo wall (s) | skopeo wall (s) | kpromo / skopeo (target ≤ 0.25) | time floor (s): requests ÷ rate + depth × RTT | kpromo / time floor (target ≤ 1.5) | kpromo requests | kpromo phases (s) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const keys = [...new Set(results.map((r) => `${r.scenario}\u0000${r.latencyMs}`))];
  for (const key of keys) {
    const [s, lat] = key.split('\u0000') as [string, string];
    const kp = results.find((r) => r.scenario === s && String(r.latencyMs) === lat && r.tool === 'kpromo');
    const sk = results.find((r) => r.scenario === s && String(r.latencyMs) === lat && r.tool === 'skopeo');
    if (!kp) continue;
    const f = kp.timeFloor;
    const cells = [
      s,
      lat,
      sec(kp.wallMs) + (kp.ok ? '' : ' (failed)'),
      sk ? sec(sk.wallMs) + (sk.ok ? '' : ' (failed)') : '–',
      sk ? (kp.wallMs / sk.wallMs).toFixed(2) : '–',
      `${sec(f.totalMs)} = ${sec(Math.max(f.requestsMs, f.bytesMs))} + ${f.depth} × ${lat} ms`,
      (kp.wallMs / f.totalMs).toFixed(2),
      String(kp.requests),
      (kp.phases ?? []).map((p) => `${p.name} ${sec(p.durationMs)}`).join(', '),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}
