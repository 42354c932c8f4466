import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag } from '../image/ref.js';
import type { Plan } from '../plan/classify.js';
import type { Edge } from '../plan/edge.js';
import type { EdgeOutcome } from '../promote/outcome.js';
import { addPromotion } from './promotion.js';
import { buildReport } from './report.js';

const D1 = digest('sha256:' + '1'.repeat(64));
const D2 = digest('sha256:' + '2'.repeat(64));
const edge = (t: string, d = D1): Edge => ({
  srcRegistry: registryName('src.local/s'),
  srcImage: imageName('app'),
  dstRegistry: registryName('dst.local/p'),
  dstImage: imageName('app'),
  digest: d,
  tag: tag(t),
});
const summary = { manifests: 1, images: 1, digests: 2, tags: 5, edges: 5 };
// 3 present edges (each kind of evidence), one written, one tag move
const plan: Plan = {
  edges: [
    { edge: edge('a'), decision: { kind: 'present' }, evidence: 'tag-listed' },
    { edge: edge('b'), decision: { kind: 'present' }, evidence: 'verified' },
    { edge: edge('c'), decision: { kind: 'present' }, evidence: 'list-digest' },
    { edge: edge('new', D2), decision: { kind: 'promote', tagOnly: false } },
    { edge: edge('moved', D2), decision: { kind: 'tag-move', current: D1 } },
  ],
};
const outcomes: EdgeOutcome[] = [
  ...plan.edges.slice(0, 3).map((p): EdgeOutcome => ({ edge: p.edge, outcome: 'already-present' })),
  { edge: edge('new', D2), outcome: 'promoted' },
  { edge: edge('moved', D2), outcome: 'refused-tag-move', error: 'tag move refused', currentDigest: D1 },
];
const edges = plan.edges.map((p) => p.edge);
const report = (detail: 'changes' | 'all', withOutcomes: boolean) =>
  addPromotion(buildReport(withOutcomes ? 'promote' : 'dry-run', summary, edges, [], detail), { plan, detail, ...(withOutcomes ? { outcomes } : {}) });

test('report detail "changes" lists only what the run changed or could not, with counts for the rest', () => {
  for (const withOutcomes of [false, true]) {
    const r = report('changes', withOutcomes);
    assert.equal(r.edges, undefined);
    assert.equal(r.reportDetail, 'changes');
    assert.deepEqual(r.outcomes!.map((o) => o.tag), ['new', 'moved']);
    assert.deepEqual(r.presentBy, { verified: 1, 'list-digest': 1, 'tag-listed': 1, 'attachment-listed': 0 });
    assert.equal(r.planCounts!.present, 3);
  }
  assert.equal(report('changes', true).counts!['already-present'], 3);
});

test('report detail "all" lists every edge, and how each present one is known', () => {
  for (const withOutcomes of [false, true]) {
    const r = report('all', withOutcomes);
    assert.equal(r.edges!.length, 5);
    assert.deepEqual(r.outcomes!.map((o) => [o.tag, o.evidence]), [['a', 'tag-listed'], ['b', 'verified'], ['c', 'list-digest'], ['new', undefined], ['moved', undefined]]);
  }
});

test('a parse-only report lists every edge whatever the detail', () => {
  assert.equal(buildReport('parse-only', summary, edges, [], 'changes').edges!.length, 5);
});

test('detail "changes": a registry-wide failure lists 20 of its edges and counts the rest; per-image failures are all listed; "all" lists every edge', () => {
  const down = (i: number) => ({ ...edge(`t${i}`), dstRegistry: registryName(`127.0.0.1:5999/p${i % 2}`) });
  const refused = (i: number) => `127.0.0.1:5999/p${i % 2}/app unreadable (listing tags): request to http://127.0.0.1:5999/v2/ failed: connect ECONNREFUSED 127.0.0.1:5999`;
  const failed: EdgeOutcome[] = [
    ...Array.from({ length: 100 }, (_, i): EdgeOutcome => ({ edge: down(i), outcome: 'failed', error: refused(i) })),
    ...[1, 2, 3].map((i): EdgeOutcome => ({ edge: edge(`bad${i}`), outcome: 'failed', error: `manifest sha256:${i} is not valid JSON` })),
  ];
  const plan2: Plan = { edges: failed.map((o) => ({ edge: o.edge, decision: { kind: 'unreadable', error: o.error! } })) };
  for (const withOutcomes of [true, false]) {
    const r = addPromotion(buildReport('promote', summary, [], [], 'changes'), { plan: plan2, detail: 'changes', ...(withOutcomes ? { outcomes: failed } : {}) });
    assert.equal(r.outcomes!.length, 20 + 3);
    assert.deepEqual(r.outcomes!.slice(-3).map((o) => o.tag), ['bad1', 'bad2', 'bad3']);
    assert.deepEqual(r.omitted, [{ outcome: withOutcomes ? 'failed' : 'unreadable', kind: 'unreachable', host: '127.0.0.1:5999', reason: 'connection refused', edges: 80 }]);
    if (withOutcomes) assert.equal(r.counts!.failed, 103);
    const all = addPromotion(buildReport('promote', summary, [], [], 'all'), { plan: plan2, detail: 'all', ...(withOutcomes ? { outcomes: failed } : {}) });
    assert.equal(all.outcomes!.length, 103);
    assert.equal(all.omitted, undefined);
  }
});
