import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag, type Digest } from '../image/ref.js';
import { manifestLiteral } from '../manifest/literal.js';
import type { PromoterManifest } from '../manifest/schema.js';
import type { Edge } from './edge.js';
import { edgeKey } from './edge.js';
import { parseShard, shardEdges, shardManifests, shardOf, shardPlan } from './shard.js';
import { planFromManifests } from './offline.js';

const D = (c: string): Digest => digest(`sha256:${c.repeat(64)}`);

function edge(d: string, dst: string, t: string | null): Edge {
  return { srcRegistry: registryName('staging.example/p'), srcImage: imageName('img'), dstRegistry: registryName(dst), dstImage: imageName('img'), digest: D(d), tag: t === null ? null : tag(t) };
}

/** 16 digests × 2 mirrors × (tag, tagless). */
const EDGES: Edge[] = [...'0123456789abcdef'].flatMap((c) => ['m1.example', 'm2.example'].flatMap((m) => [edge(c, m, `v${c}`), edge(c, m, null)]));

test('parseShard: accepted and refused spellings', () => {
  const cases: { text: string; count?: number; want: { index: number; count: number } | RegExp }[] = [
    { text: '0/3', want: { index: 0, count: 3 } },
    { text: ' 2 / 3 ', want: { index: 2, count: 3 } },
    { text: '0/1', want: { index: 0, count: 1 } },
    { text: '1', count: 4, want: { index: 1, count: 4 } },
    { text: '1/4', count: 4, want: { index: 1, count: 4 } },
    { text: '3/3', want: /below COUNT/ },
    { text: '1/0', want: /shard count 0/ },
    { text: '1', want: /no count/ },
    { text: '1/4', count: 3, want: /disagrees/ },
    { text: '-1/3', want: /INDEX\/COUNT/ },
    { text: 'a/b', want: /INDEX\/COUNT/ },
    { text: '0/100001', want: /1 to 100000/ },
  ];
  for (const c of cases) {
    const got = parseShard(c.text, c.count);
    if (c.want instanceof RegExp) assert.match(String(got), c.want, c.text);
    else assert.deepEqual(got, c.want, c.text);
  }
});

test('shardOf is a stable hash of the digest (pinned values: shards of one run must agree across machines and versions)', () => {
  assert.deepEqual([...'0123456789abcdef'].map((c) => shardOf(D(c), 3)), PINNED);
  assert.equal(shardOf(D('0'), 1), 0);
});
const PINNED = [2, 2, 1, 0, 2, 1, 2, 0, 2, 0, 2, 1, 0, 0, 1, 1];

test('shards of a run are disjoint, cover every edge, and keep each digest in one shard', () => {
  for (const count of [1, 2, 3, 5, 16, 40]) {
    const seen = new Map<string, number>();
    const digestShard = new Map<string, number>();
    for (let index = 0; index < count; index++) {
      for (const e of shardEdges(EDGES, { index, count })) {
        assert.equal(seen.has(edgeKey(e)), false, `edge twice at count ${count}`);
        seen.set(edgeKey(e), index);
        const prior = digestShard.get(e.digest);
        assert.ok(prior === undefined || prior === index, `digest split across shards at count ${count}`);
        digestShard.set(e.digest, index);
      }
    }
    assert.equal(seen.size, EDGES.length, `count ${count} covers every edge`);
  }
});

test('shardEdges keeps plan order', () => {
  const s = shardEdges(EDGES, { index: 1, count: 3 });
  const order = s.map((e) => EDGES.indexOf(e));
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
});

const mf = (images: Record<string, Record<string, string[]>>): PromoterManifest => manifestLiteral('staging.example/p', ['m1.example'], images);

test('shardPlan: summaries of the shards add up to the whole plan (images counted where their digests go)', () => {
  const plan = planFromManifests([mf({ a: { '1': ['v1'], '2': ['v2', 'latest'], '3': [] }, b: { '4': ['x'], '5': [] } })]);
  const parts = [0, 1, 2].map((index) => shardPlan(plan, { index, count: 3 }));
  for (const key of ['digests', 'tags', 'edges'] as const) {
    assert.equal(parts.reduce((n, p) => n + p.summary[key], 0), plan.summary[key], key);
  }
  for (const p of parts) {
    assert.deepEqual(p.total, plan.summary);
    assert.equal(p.summary.manifests, 1);
    assert.deepEqual(p.edges, shardEdges(plan.edges, { index: parts.indexOf(p), count: 3 }));
    const digests = new Set(p.edges.map((e) => e.digest));
    const kept = shardManifests(plan.manifests, { index: parts.indexOf(p), count: 3 }).flatMap((m) => m.images.flatMap((i) => [...i.dmap.keys()]));
    assert.deepEqual(new Set(kept), digests);
  }
});
