import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../errors.js';
import { mergeReports, mergeValues } from './merge.js';
import type { Report } from './report.js';

const TOTAL = { manifests: 2, images: 3, digests: 4, tags: 5, edges: 10 };
const edge = (d: string, dst = 'm1') => ({ srcRegistry: 's', srcImage: 'i', dstRegistry: dst, dstImage: 'i', digest: d, tag: null });
const host = (name: string, n: number) => ({
  host: name, requests: n, byKind: { 'manifest-put': n, 'tags-list': 1 }, retries: 1, throttled: 0, waitedMs: 5, networkErrors: 0, peakInFlight: 2, bytesIn: 100 * n, bytesOut: 10 * n,
});

function shard(index: number, extra: Partial<Report> = {}, count = 3): { file: string; report: Report } {
  return {
    file: `r${index}.json`,
    report: {
      kpromoVersion: '1.0.0',
      mode: 'promote',
      summary: { manifests: 2, images: 1, digests: index + 1, tags: 1, edges: [3, 3, 4][index] ?? 0 },
      reportDetail: 'changes',
      shard: { index, count, total: TOTAL },
      outcomes: [{ ...edge(`d${index}`), outcome: 'promoted' }],
      counts: { promoted: 1, 'already-present': index },
      planCounts: { promote: 1, present: index },
      presentBy: { verified: 0, 'list-digest': 0, 'tag-listed': index },
      requests: [host('m1', index + 1), host(`s${index}`, 1)],
      phases: [{ name: 'plan', durationMs: 10 * (index + 1), result: 'ok' }, { name: 'promote', durationMs: 5, result: index === 1 ? 'failed' : 'ok' }],
      warnings: ['m.yaml:1:1: shared warning'],
      credentials: [{ host: 'm1', source: 'anonymous' }],
      trust: { signed: [`x${index}`], attested: [] },
      ...extra,
    },
  };
}

test('merging every shard: the whole plan summary, counts summed, outcomes concatenated, requests summed per host', () => {
  const { report: r, failure } = mergeReports([shard(0), shard(1), shard(2)]);
  assert.equal(failure, undefined);
  assert.deepEqual(r.summary, TOTAL);
  assert.equal(r.mode, 'promote');
  assert.deepEqual(r.shards, { count: 3, merged: [0, 1, 2] });
  assert.equal(r.shard, undefined);
  assert.deepEqual((r.outcomes as { digest: string }[]).map((o) => o.digest), ['d0', 'd1', 'd2']);
  assert.deepEqual(r.counts, { promoted: 3, 'already-present': 3 });
  assert.deepEqual(r.planCounts, { promote: 3, present: 3 });
  assert.deepEqual(r.presentBy, { verified: 0, 'list-digest': 0, 'tag-listed': 3 });
  const req = r.requests as ReturnType<typeof host>[];
  assert.deepEqual(req.map((h) => h.host), ['m1', 's0', 's1', 's2']);
  assert.deepEqual(req[0], { host: 'm1', requests: 6, byKind: { 'manifest-put': 6, 'tags-list': 3 }, retries: 3, throttled: 0, waitedMs: 15, networkErrors: 0, peakInFlight: 6, bytesIn: 600, bytesOut: 60 });
  assert.deepEqual(r.phases, [{ name: 'plan', durationMs: 30, result: 'ok' }, { name: 'promote', durationMs: 5, result: 'failed' }]);
  assert.deepEqual(r.warnings, ['m.yaml:1:1: shared warning']);
  assert.deepEqual(r.credentials, [{ host: 'm1', source: 'anonymous' }]);
  assert.deepEqual(r.trust, { signed: ['x0', 'x1', 'x2'], attested: [] });
  assert.equal(r.reportDetail, 'changes');
});

test('the merged run fails when a shard failed, was interrupted, or has no report', () => {
  const failed = mergeReports([shard(0), shard(1, { failure: '1 edge failed' }), shard(2)]);
  assert.equal(failed.failure, 'shard 1/3: 1 edge failed');
  assert.equal(failed.report.failure, 'shard 1/3: 1 edge failed');
  const missing = mergeReports([shard(0), shard(2)]);
  assert.match(String(missing.failure), /missing shard 1\/3/);
  assert.deepEqual(missing.report.summary, { manifests: 2, images: 2, digests: 4, tags: 2, edges: 7 });
  const interrupted = mergeReports([shard(0), shard(1), shard(2, { interrupted: { phase: 'promote', reason: 'interrupted by SIGTERM' }, failure: 'interrupted by SIGTERM during promote' })]);
  assert.deepEqual(interrupted.report.interrupted, { phase: 'promote', reason: 'shard 2/3: interrupted by SIGTERM' });
  assert.match(String(interrupted.failure), /shard 2\/3: interrupted/);
});

test('edges are concatenated; mixed detail lists changes only', () => {
  const all = shard(0, { reportDetail: 'all', edges: [edge('d0')], outcomes: [{ ...edge('d0'), outcome: 'already-present' }, { ...edge('d0', 'm2'), outcome: 'promoted' }] });
  const { report: r } = mergeReports([all, shard(1, { edges: [edge('d1')] }), shard(2)]);
  assert.deepEqual((r.edges as { digest: string }[]).map((e) => e.digest), ['d0', 'd1']);
  assert.equal(r.reportDetail, 'changes');
  assert.deepEqual((r.outcomes as { outcome: string }[]).map((o) => o.outcome), ['promoted', 'promoted', 'promoted']);
  const both = mergeReports([shard(0, { reportDetail: 'all' }), shard(1, { reportDetail: 'all' }), shard(2, { reportDetail: 'all' })]);
  assert.equal(both.report.reportDetail, 'all');
});

test('reports that are not shards of one run are refused (input error naming the files)', () => {
  const cases: { name: string; inputs: ReturnType<typeof shard>[]; want: RegExp }[] = [
    { name: 'a shard twice', inputs: [shard(0), shard(0)], want: /r0\.json: shard 0\/3 is also in r0\.json/ },
    { name: 'different counts', inputs: [shard(0), shard(1, {}, 4)], want: /split 4 ways, not 3/ },
    { name: 'different modes', inputs: [shard(0), shard(1, { mode: 'dry-run' })], want: /mode dry-run differs/ },
    { name: 'different versions', inputs: [shard(0), shard(1, { kpromoVersion: '1.0.1' })], want: /r1\.json: kpromo 1\.0\.1 differs from r0\.json \(1\.0\.0\)/ },
    { name: 'different plans', inputs: [shard(0), shard(1, { shard: { index: 1, count: 3, total: { ...TOTAL, edges: 11 } } })], want: /r1\.json: shard 1\/3 planned 11 edges in all, r0\.json's run 10 .*different manifests/ },
    { name: 'index out of range', inputs: [shard(0), shard(1), shard(3)], want: /r3\.json: shard 3\/3 is not a shard of a run split 3 ways/ },
    { name: 'not a shard report', inputs: [shard(0), shard(1, { shard: undefined })], want: /not a shard report/ },
    { name: 'not a report', inputs: [shard(0), { file: 'x.json', report: { hello: 1 } as unknown as Report }], want: /x\.json: not a kpromo report/ },
    { name: 'nothing', inputs: [], want: /at least one/ },
    {
      name: 'a stale shard of an earlier run',
      inputs: [shard(0, { shard: { index: 0, count: 3, run: 'run-2', total: TOTAL } }), shard(1, { shard: { index: 1, count: 3, run: 'run-1', total: TOTAL } })],
      want: /shard reports of different runs: r0\.json is of run "run-2", r1\.json is of run "run-1"/,
    },
    {
      name: 'a shard without a run id among named ones',
      inputs: [shard(0, { shard: { index: 0, count: 3, run: 'run-2', total: TOTAL } }), shard(1)],
      want: /r1\.json has no run id/,
    },
  ];
  for (const c of cases) {
    assert.throws(() => mergeReports(c.inputs), (err: unknown) => err instanceof InputError && c.want.test(err.problems.map((p) => p.message).join('\n')), c.name);
  }
});

test('mergeValues: arrays concatenated, numbers summed, objects by key, else the first', () => {
  assert.deepEqual(mergeValues({ a: [1], n: 2, s: 'x', o: { k: 1 } }, { a: [2], n: 3, s: 'y', o: { k: 1, j: 2 } }), { a: [1, 2], n: 5, s: 'x', o: { k: 2, j: 2 } });
});

test('shards of one named run merge, and the merged report names the run', () => {
  const named = [0, 1, 2].map((i) => shard(i, { shard: { index: i, count: 3, run: '1234-1', total: TOTAL } }));
  assert.deepEqual(mergeReports(named).report.shards, { count: 3, run: '1234-1', merged: [0, 1, 2] });
});
