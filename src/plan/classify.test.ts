import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, repoOf, tag, type Digest } from '../image/ref.js';
import type { FetchedManifest } from '../registry/types.js';
import { classify, planCounts, type Decision } from './classify.js';
import type { Edge } from './edge.js';
import type { Inventory, RepoState } from './inventory.js';

const D1 = digest('sha256:' + '1'.repeat(64));
const D2 = digest('sha256:' + '2'.repeat(64));

const edge = (t: string | null, d: Digest = D1): Edge => ({
  srcRegistry: registryName('src.local/staging'),
  srcImage: imageName('app'),
  dstRegistry: registryName('dst.local/prod'),
  dstImage: imageName('app'),
  digest: d,
  tag: t === null ? null : tag(t),
});

const repo = (r: Partial<RepoState> = {}): RepoState => ({
  ref: repoOf(registryName('dst.local/prod'), imageName('app')),
  tags: new Set(r.tagDigests?.keys() ?? []),
  tagDigests: new Map(),
  manifests: new Map(),
  ...r,
});
const inv = (dst: RepoState | undefined, src: RepoState | undefined): Inventory => {
  const repos = new Map<string, RepoState>();
  if (dst) repos.set('dst.local/prod/app', dst);
  if (src) repos.set('src.local/staging/app', src);
  return { repos, sourceManifests: new Map<string, FetchedManifest>() };
};
const inSrc = repo({ manifests: new Map([[D1, true]]) });
const notInSrc = repo({ manifests: new Map([[D1, false]]) });

test('classify: table of upstream promotion rules', () => {
  const cases: { name: string; e: Edge; i: Inventory; want: Decision }[] = [
    { name: 'tag already points at digest', e: edge('v1'), i: inv(repo({ tagDigests: new Map([['v1', D1]]) }), undefined), want: { kind: 'present' } },
    { name: 'tagless digest present', e: edge(null), i: inv(repo({ manifests: new Map([[D1, true]]) }), undefined), want: { kind: 'present' } },
    { name: 'tag move refused', e: edge('v1'), i: inv(repo({ tagDigests: new Map([['v1', D2]]) }), inSrc), want: { kind: 'tag-move', current: D2 } },
    { name: 'lost: missing in source', e: edge('v1'), i: inv(repo(), notInSrc), want: { kind: 'lost' } },
    { name: 'lost: source repo missing', e: edge(null), i: inv(repo({ manifests: new Map([[D1, false]]) }), repo()), want: { kind: 'lost' } },
    { name: 'promote to empty destination', e: edge('v1'), i: inv(repo({ manifests: new Map([[D1, false]]) }), inSrc), want: { kind: 'promote', tagOnly: false } },
    { name: 'digest present under another tag: tag only', e: edge('v2'), i: inv(repo({ tagDigests: new Map([['v1', D1]]), manifests: new Map([[D1, true]]) }), inSrc), want: { kind: 'promote', tagOnly: true } },
    { name: 'tagless digest absent', e: edge(null), i: inv(repo({ manifests: new Map([[D1, false]]) }), inSrc), want: { kind: 'promote', tagOnly: false } },
    { name: 'destination unreadable', e: edge('v1'), i: inv(repo({ error: 'listing tags: down' }), inSrc), want: { kind: 'unreadable', error: 'destination listing tags: down' } },
    { name: 'source unreadable', e: edge('v1'), i: inv(repo(), repo({ error: 'reading: 500' })), want: { kind: 'unreadable', error: 'source reading: 500' } },
    { name: 'tag move wins over a lost source', e: edge('v1'), i: inv(repo({ tagDigests: new Map([['v1', D2]]) }), notInSrc), want: { kind: 'tag-move', current: D2 } },
  ];
  for (const c of cases) assert.deepEqual(classify([c.e], c.i).edges[0]?.decision, c.want, c.name);
});

test('classify keeps input order, drops duplicate edges, and counts decisions', () => {
  const i = inv(repo({ tagDigests: new Map([['v1', D1]]), manifests: new Map([[D1, true]]) }), inSrc);
  const plan = classify([edge('v1'), edge('v2'), edge('v1')], i);
  assert.deepEqual(plan.edges.map((p) => p.edge.tag), ['v1', 'v2']);
  assert.deepEqual(planCounts(plan), { present: 1, lost: 0, 'tag-move': 0, promote: 1, unreadable: 0, refused: 0 });
});

test('classify: the edges of one unreadable repository share one decision (one error text, not one per edge)', () => {
  const plan = classify([edge('v1'), edge('v2'), edge('v3')], inv(repo({ error: 'listing tags: down' }), inSrc));
  const [a, b, c] = plan.edges.map((p) => p.decision);
  assert.deepEqual(a, { kind: 'unreadable', error: 'destination listing tags: down' });
  assert.ok(a === b && b === c);
});
