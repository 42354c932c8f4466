import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag, type Digest } from '../image/ref.js';
import type { Edge } from './edge.js';
import { needsTagHeads, wantedByRepo, writesTo, type ListedRepo } from './wants.js';

const D1 = digest('sha256:' + '1'.repeat(64));
const D2 = digest('sha256:' + '2'.repeat(64));
const D3 = digest('sha256:' + '3'.repeat(64));

const edge = (t: string | null, d: Digest): Edge => ({
  srcRegistry: registryName('src.local/s'),
  srcImage: imageName('app'),
  dstRegistry: registryName('dst.local/p'),
  dstImage: imageName('app'),
  digest: d,
  tag: t === null ? null : tag(t),
});
const wants = (edges: Edge[]) => wantedByRepo(edges, () => 'r').get('r')!;
const listed = (tags: string[], tagDigests: [string, Digest][] = [], manifests: [Digest, boolean][] = []): ListedRepo => ({
  tags: new Set(tags),
  tagDigests: new Map(tagDigests),
  manifests: new Map(manifests),
});

test('needsTagHeads: which listed tags are HEADed', () => {
  // D1: v1, v1.0 (both listed), D2: v2 (listed) + v2.0 (new), D3: tagless
  const edges = [edge('v1', D1), edge('v1.0', D1), edge('v2', D2), edge('v2.0', D2), edge(null, D3)];
  const cases: { name: string; known: ListedRepo; verify: boolean; want: string[] }[] = [
    {
      name: 'list with digests: nothing to HEAD (a move is seen in the list)',
      known: listed(['v1', 'v1.0', 'v2'], [['v1', D2], ['v1.0', D1], ['v2', D2]], [[D3, true]]),
      verify: false,
      want: [],
    },
    {
      name: 'list without digests: only the listed tags of a digest the run writes (v2.0 is new)',
      known: listed(['v1', 'v1.0', 'v2'], [], [[D3, true]]),
      verify: false,
      want: ['v2'],
    },
    {
      name: 'list without digests, all tags listed, tagless present: nothing',
      known: listed(['v1', 'v1.0', 'v2', 'v2.0'], [], [[D3, true]]),
      verify: false,
      want: [],
    },
    {
      name: '--verify-existing: every listed tag, even with digests in the list',
      known: listed(['v1', 'v1.0', 'v2'], [['v1', D1]], [[D3, true]]),
      verify: true,
      want: ['v1', 'v1.0', 'v2'],
    },
    {
      name: 'nothing listed (cold): nothing to HEAD',
      known: listed([]),
      verify: true,
      want: [],
    },
  ];
  for (const c of cases) assert.deepEqual(needsTagHeads(wants(edges), c.known, c.verify, writesTo(wants(edges), c.known)), c.want, c.name);
});

test('writesTo: a digest with a tag not listed, or tagless and absent', () => {
  const w = wants([edge('v1', D1), edge('v1.0', D1), edge('v2', D2), edge(null, D3), edge(null, D1)]);
  assert.deepEqual([...writesTo(w, listed(['v1', 'v1.0', 'v2'], [], [[D3, true], [D1, true]]))], []);
  assert.deepEqual([...writesTo(w, listed(['v1', 'v2'], [], [[D3, false], [D1, true]]))], [D1, D3]);
  assert.deepEqual([...writesTo(w, listed(['v1', 'v1.0', 'v2'], [], [[D3, true], [D1, false]]))], [D1]);
});

test('needsTagHeads: a digest written to another destination has its listed tags HEADed here', () => {
  const w = wants([edge('v1', D1), edge('v2', D2)]);
  const here = listed(['v1', 'v2']);
  assert.deepEqual(writesTo(w, here).size, 0, 'nothing is written here');
  assert.deepEqual(needsTagHeads(w, here, false, new Set([D1])), ['v1']);
  assert.deepEqual(needsTagHeads(w, here, false, new Set()), []);
});

test('wantedByRepo: repositories that want the same digests and tags share one frozen RepoWants; others get their own', () => {
  const to = (reg: string, t: string | null, d: Digest): Edge => ({ ...edge(t, d), dstRegistry: registryName(reg) });
  const edges = [
    to('m1.local/p', 'v1', D1), to('m2.local/p', 'v1', D1), to('m3.local/p', 'v1', D1),
    to('m1.local/p', null, D3), to('m2.local/p', null, D3), to('m3.local/p', null, D3),
    to('m3.local/p', 'v2', D2), // only m3 wants D2
  ];
  const w = wantedByRepo(edges, (e) => e.dstRegistry);
  assert.equal(w.get(registryName('m1.local/p')), w.get(registryName('m2.local/p')));
  assert.notEqual(w.get(registryName('m1.local/p')), w.get(registryName('m3.local/p')));
  assert.ok(Object.isFrozen(w.get(registryName('m1.local/p'))));
  const shared = w.get(registryName('m1.local/p'))!;
  assert.deepEqual([...shared.tagged].map(([d, t]) => [d, [...t]]), [[D1, ['v1']]]);
  assert.deepEqual([...shared.tagless], [D3]);
  assert.deepEqual([...w.get(registryName('m3.local/p'))!.tags].sort(), ['v1', 'v2']);
});
