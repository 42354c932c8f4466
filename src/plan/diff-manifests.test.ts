import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, tag, type Digest } from '../image/ref.js';
import { manifestLiteral } from '../manifest/literal.js';
import type { PromoterManifest } from '../manifest/schema.js';
import { addedKey, countDigests, diffManifests, filterManifests } from './diff-manifests.js';

const D = (c: string): Digest => digest(`sha256:${c.repeat(64)}`);
const SRC = 'staging.example/p';

/** A manifest from a compact literal: destinations, then image → digest char → tags. */
function mf(dsts: string[], images: Record<string, Record<string, string[]>>, src = SRC): PromoterManifest {
  return manifestLiteral(src, dsts, images);
}
const k = (image: string, c: string, src = SRC) => addedKey(src, image, D(c));

const cases: { name: string; prev: PromoterManifest[]; next: PromoterManifest[]; added: string[] }[] = [
  { name: 'no change adds nothing', prev: [mf(['m1'], { a: { '1': ['v1'] } })], next: [mf(['m1'], { a: { '1': ['v1'] } })], added: [] },
  { name: 'both empty', prev: [], next: [], added: [] },
  { name: 'a new digest', prev: [mf(['m1'], { a: { '1': ['v1'] } })], next: [mf(['m1'], { a: { '1': ['v1'], '2': ['v2'] } })], added: [k('a', '2')] },
  { name: 'a new tagless digest', prev: [mf(['m1'], { a: { '1': ['v1'] } })], next: [mf(['m1'], { a: { '1': ['v1'], '2': [] } })], added: [k('a', '2')] },
  { name: 'a new tag on an existing digest', prev: [mf(['m1'], { a: { '1': ['v1'] } })], next: [mf(['m1'], { a: { '1': ['v1', 'latest'] } })], added: [k('a', '1')] },
  { name: 'a removed tag adds nothing', prev: [mf(['m1'], { a: { '1': ['v1', 'x'] } })], next: [mf(['m1'], { a: { '1': ['v1'] } })], added: [] },
  { name: 'a removed image adds nothing', prev: [mf(['m1'], { a: { '1': ['v1'] }, b: { '2': [] } })], next: [mf(['m1'], { a: { '1': ['v1'] } })], added: [] },
  {
    name: 'a new manifest file: everything in it is new',
    prev: [],
    next: [mf(['m1'], { a: { '1': ['v1'], '2': [] }, b: { '3': ['x'] } })],
    added: [k('a', '1'), k('a', '2'), k('b', '3')],
  },
  { name: 'a new destination registry makes all its digests work', prev: [mf(['m1'], { a: { '1': ['v1'] } })], next: [mf(['m1', 'm2'], { a: { '1': ['v1'] } })], added: [k('a', '1')] },
  { name: 'the same digest under a new image name', prev: [mf(['m1'], { a: { '1': ['v1'] } })], next: [mf(['m1'], { a: { '1': ['v1'] }, b: { '1': ['v1'] } })], added: [k('b', '1')] },
  {
    name: 'the same image from another source is distinct',
    prev: [mf(['m1'], { a: { '1': ['v1'] } })],
    next: [mf(['m1'], { a: { '1': ['v1'] } }), mf(['m1'], { a: { '1': ['v1'] } }, 'other.example/q')],
    added: [k('a', '1', 'other.example/q')],
  },
  {
    name: 'an image moved between manifests of one source adds nothing',
    prev: [mf(['m1'], { a: { '1': ['v1'] } }), mf(['m1'], {})],
    next: [mf(['m1'], {}), mf(['m1'], { a: { '1': ['v1'] } })],
    added: [],
  },
];

for (const c of cases) {
  test(`diffManifests: ${c.name}`, () => {
    assert.deepEqual([...diffManifests(c.prev, c.next)].sort(), [...c.added].sort());
  });
}

test('filterManifests keeps only added digests, drops emptied images, keeps manifests', () => {
  const next = [mf(['m1', 'm2'], { a: { '1': ['v1'], '2': ['v2', 'latest'] }, b: { '3': [] } }), mf(['m3'], { c: { '4': ['x'] } }, 'other.example/q')];
  const out = filterManifests(next, new Set([k('a', '2'), k('c', '4', 'other.example/q'), k('c', '4')]));
  assert.equal(out.length, 2);
  assert.deepEqual(
    out[0]!.images.map((i) => [i.name, [...i.dmap]]),
    [['a', [[D('2'), ['v2', 'latest']]]]],
  );
  assert.deepEqual(out[0]!.registries, next[0]!.registries);
  assert.deepEqual(out[1]!.images.map((i) => i.name), ['c']);
  assert.equal(countDigests(next), 4);
  assert.equal(countDigests(out), 2); // k('c','4') from SRC matches nothing
  // the input is not modified
  assert.equal(next[0]!.images[0]!.dmap.size, 2);
});

test('an empty diff filters to nothing (no fallback to all images, test-infra#37383)', () => {
  const m = [mf(['m1'], { a: { '1': ['v1'] } })];
  const out = filterManifests(m, diffManifests(m, m));
  assert.equal(countDigests(out), 0);
  assert.deepEqual(out[0]!.images, []);
});
