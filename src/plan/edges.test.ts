import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../errors.js';
import { parsePlainManifest } from '../manifest/plain.js';
import type { PromoterManifest } from '../manifest/schema.js';
import { edgeKey } from './edge.js';
import { manifestsToEdges, summarize } from './edges.js';

const D = (c: string) => 'sha256:' + c.repeat(64);

/** A plain manifest from compact parts: registries (first is the source) and images. */
function m(file: string, registries: string[], images: Record<string, Record<string, string[]>>): PromoterManifest {
  const regs = registries.map((r, i) => `- name: ${r}\n${i === 0 ? '  src: true\n' : ''}`).join('');
  const imgs = Object.entries(images)
    .map(([name, dmap]) => `- name: ${name}\n  dmap:\n${Object.entries(dmap).map(([d, t]) => `    "${d}": ${JSON.stringify(t)}\n`).join('')}`)
    .join('');
  const r = parsePlainManifest(file, `registries:\n${regs}images:\n${imgs}`);
  assert.deepEqual(r.problems, []);
  return r.manifest!;
}

const keys = (ms: PromoterManifest[]) => manifestsToEdges(ms).edges.map(edgeKey);

describe('manifestsToEdges', () => {
  const cases: { name: string; manifests: PromoterManifest[]; want: string[] }[] = [
    {
      name: 'one edge per destination × digest × tag; the source is not a destination',
      manifests: [m('a', ['s.io/st', 'p1.io/x', 'p2.io/x'], { app: { [D('1')]: ['v1', 'latest'] } })],
      want: [
        `s.io/st/app@${D('1')}>p1.io/x/app:v1`,
        `s.io/st/app@${D('1')}>p1.io/x/app:latest`,
        `s.io/st/app@${D('1')}>p2.io/x/app:v1`,
        `s.io/st/app@${D('1')}>p2.io/x/app:latest`,
      ],
    },
    {
      name: 'a tagless digest gives one tagless edge per destination',
      manifests: [m('a', ['s.io/st', 'p.io'], { app: { [D('1')]: [], [D('2')]: ['v2'] } })],
      want: [`s.io/st/app@${D('1')}>p.io/app:`, `s.io/st/app@${D('2')}>p.io/app:v2`],
    },
    {
      name: 'nested image names and registry paths keep the name unchanged (no renames)',
      manifests: [m('a', ['localhost:5000/staging', 'localhost:5001/prod/sub'], { 'a/b/c': { [D('1')]: ['v'] } })],
      want: [`localhost:5000/staging/a/b/c@${D('1')}>localhost:5001/prod/sub/a/b/c:v`],
    },
    {
      name: 'the same edge from two manifests is kept once',
      manifests: [m('a', ['s.io/st', 'p.io'], { app: { [D('1')]: ['v1'] } }), m('b', ['s.io/st', 'p.io'], { app: { [D('1')]: ['v1'] } })],
      want: [`s.io/st/app@${D('1')}>p.io/app:v1`],
    },
    {
      name: 'the same digest under several image names gives separate edges',
      manifests: [m('a', ['s.io/st', 'p.io'], { one: { [D('1')]: ['v1'] }, two: { [D('1')]: ['v1'] } })],
      want: [`s.io/st/one@${D('1')}>p.io/one:v1`, `s.io/st/two@${D('1')}>p.io/two:v1`],
    },
    {
      name: 'a manifest with no destination has no edges',
      manifests: [m('a', ['s.io/st'], { app: { [D('1')]: ['v1'] } })],
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(keys(c.manifests), c.want));
  }

  it('a destination listed twice in one manifest is used once, with a warning at the duplicate', () => {
    const ms = [m('a.yaml', ['s.io/st', 'p.io', 'q.io', 'p.io'], { app: { [D('1')]: ['v1'] } })];
    const r = manifestsToEdges(ms);
    assert.equal(r.edges.length, 2);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]!.file, 'a.yaml');
    assert.equal(r.warnings[0]!.line, 6);
    assert.match(r.warnings[0]!.message, /destination registry "p.io" is listed more than once \(first at line 4\)/);
  });

  it('one tag on two digests for the same destination is an overlap, reported once per conflict with both files', () => {
    const ms = [
      m('a.yaml', ['s.io/a', 'p1.io', 'p2.io'], { app: { [D('1')]: ['v1'] } }),
      m('b.yaml', ['s.io/b', 'p1.io', 'p2.io'], { app: { [D('2')]: ['v1'] }, ok: { [D('3')]: ['v1'] } }),
    ];
    assert.throws(
      () => manifestsToEdges(ms),
      (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.equal(err.problems.length, 1);
        const msg = err.problems[0]!.message;
        for (const s of ['overlapping edges detected', 'tag "v1"', D('1'), D('2'), 'a.yaml:9:5', 'b.yaml:9:5', 'p1.io/app:v1', 'p2.io/app:v1']) {
          assert.ok(msg.includes(s), `${s} in ${msg}`);
        }
        assert.equal(err.problems[0]!.file, 'b.yaml');
        return true;
      },
    );
  });

  it('every distinct overlap is reported', () => {
    const ms = [m('a.yaml', ['s.io/a', 'p.io'], { app: { [D('1')]: ['v1', 'v2'], [D('2')]: ['v1', 'v2'] } })];
    assert.throws(() => manifestsToEdges(ms), (err: InputError) => err.problems.length === 2);
  });

  it('detects overlaps between spellings of the same repository (registry path vs image path)', () => {
    const ms = [m('a.yaml', ['s.io/a', 'p.io/x'], { 'y/app': { [D('1')]: ['v1'] } }), m('b.yaml', ['s.io/b', 'p.io/x/y'], { app: { [D('2')]: ['v1'] } })];
    assert.throws(() => manifestsToEdges(ms), /overlapping edges detected/);
  });

  it('different tags or different destinations never overlap', () => {
    const ms = [m('a.yaml', ['s.io/a', 'p.io'], { app: { [D('1')]: ['v1'], [D('2')]: ['v2'] } }), m('b.yaml', ['s.io/b', 'q.io'], { app: { [D('3')]: ['v1'] } })];
    assert.equal(manifestsToEdges(ms).edges.length, 3);
  });
});

describe('summarize', () => {
  it('counts manifests, image entries, digests, tags and edges', () => {
    const ms = [
      m('a', ['s.io/a', 'p.io', 'q.io'], { one: { [D('1')]: ['v1', 'v2'], [D('2')]: [] }, two: { [D('1')]: ['v1'] } }),
      m('b', ['s.io/b', 'p.io/b'], { one: { [D('3')]: ['x'] } }),
    ];
    const { edges } = manifestsToEdges(ms);
    // a: (2 + 1 tagless + 1) × 2 destinations = 8; b: 1 × 1 = 1
    assert.deepEqual(summarize(ms, edges), { manifests: 2, images: 3, digests: 4, tags: 4, edges: 9 });
  });
});
