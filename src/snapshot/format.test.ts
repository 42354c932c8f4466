import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { digest, tag, type Digest } from '../image/ref.js';
import { InputError } from '../errors.js';
import { formatSnapshot, parseSnapshotFormat, toCSV, toYAML } from './format.js';
import { addToInventory, filterByTag, removeTaglessChildren, type ImageInventory } from './inventory.js';

const D = (c: string): Digest => digest(`sha256:${c.repeat(64)}`);

function inv(rows: [string, Digest, string | null][]): ImageInventory {
  const out: ImageInventory = new Map();
  for (const [n, d, t] of rows) addToInventory(out, n, d, t === null ? null : tag(t));
  return out;
}

const cases: { name: string; rows: [string, Digest, string | null][]; yaml: string; csv: string }[] = [
  { name: 'empty', rows: [], yaml: '', csv: '' },
  {
    name: 'one tagless digest',
    rows: [['a', D('0'), null]],
    yaml: `- name: a\n  dmap:\n    "${D('0')}": []\n`,
    csv: `a@${D('0')},-\n`,
  },
  {
    name: 'sorted by name, digest and tag; tags inline and quoted',
    rows: [
      ['b', D('1'), 'latest'],
      ['a/sub', D('2'), 'v2'],
      ['a/sub', D('1'), null],
      ['a', D('1'), 'v1.0'],
      ['a', D('1'), '1.0'],
      ['a', D('0'), 'v0'],
    ],
    yaml: [
      '- name: a',
      '  dmap:',
      `    "${D('0')}": ["v0"]`,
      `    "${D('1')}": ["1.0", "v1.0"]`,
      '- name: a/sub',
      '  dmap:',
      `    "${D('1')}": []`,
      `    "${D('2')}": ["v2"]`,
      '- name: b',
      '  dmap:',
      `    "${D('1')}": ["latest"]`,
      '',
    ].join('\n'),
    csv: [
      `a@${D('0')},a:v0`,
      `a@${D('1')},a:1.0`,
      `a@${D('1')},a:v1.0`,
      `a/sub@${D('1')},-`,
      `a/sub@${D('2')},a/sub:v2`,
      `b@${D('1')},b:latest`,
      '',
    ].join('\n'),
  },
  {
    name: 'a tag added twice is listed once',
    rows: [
      ['x', D('a'), 't'],
      ['x', D('a'), 't'],
      ['x', D('a'), null],
    ],
    yaml: `- name: x\n  dmap:\n    "${D('a')}": ["t"]\n`,
    csv: `x@${D('a')},x:t\n`,
  },
];

for (const c of cases) {
  test(`snapshot formats: ${c.name}`, () => {
    const i = inv(c.rows);
    assert.equal(toYAML(i), c.yaml);
    assert.equal(toCSV(i), c.csv);
    assert.equal(formatSnapshot(i, 'yaml'), c.yaml);
    assert.equal(formatSnapshot(i, 'csv'), c.csv);
  });
}

test('the YAML output parses as an images.yaml list', () => {
  const i = inv([
    ['a', D('1'), 'v1'],
    ['a', D('2'), null],
  ]);
  assert.deepEqual(parse(toYAML(i)), [{ name: 'a', dmap: { [D('1')]: ['v1'], [D('2')]: [] } }]);
});

test('parseSnapshotFormat accepts yaml and csv in any case and rejects the rest', () => {
  assert.equal(parseSnapshotFormat('yaml'), 'yaml');
  assert.equal(parseSnapshotFormat('CSV'), 'csv');
  for (const bad of ['json', '', 'yml']) {
    assert.throws(() => parseSnapshotFormat(bad), (e: unknown) => e instanceof InputError && /invalid snapshot output format/.test(e.message));
  }
});

test('filterByTag keeps only digests with the tag, listed with that tag alone', () => {
  const i = inv([
    ['a', D('1'), 'v1'],
    ['a', D('1'), 'latest'],
    ['a', D('2'), 'v2'],
    ['b', D('3'), null],
    ['c', D('4'), 'v1'],
  ]);
  assert.equal(toCSV(filterByTag(i, tag('v1'))), `a@${D('1')},a:v1\nc@${D('4')},c:v1\n`);
});

test('removeTaglessChildren drops tagless index children only', () => {
  const i = inv([
    ['a', D('1'), 'v1'], // the index
    ['a', D('2'), null], // a tagless child: dropped
    ['a', D('3'), 'v1-amd64'], // a tagged child: kept
    ['a', D('4'), null], // tagless, not a child: kept
    ['b', D('2'), null], // same digest, but b has no index listing it: kept
  ]);
  const out = removeTaglessChildren(i, new Map([['a', new Set([D('2'), D('3')])]]));
  assert.equal(toCSV(out), [`a@${D('1')},a:v1`, `a@${D('3')},a:v1-amd64`, `a@${D('4')},-`, `b@${D('2')},-`, ''].join('\n'));
});
