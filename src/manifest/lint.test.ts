import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem } from '../errors.js';
import { lintImagesChange } from './lint.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const BEFORE = `- name: app
  dmap:
    "${d('1')}": ["v1"]
    "${d('2')}": ["v2", "v2.0"]
- name: tool
  dmap:
    "${d('5')}": ["t1"]
`;

/** BEFORE with `from` replaced by `to` (each must occur). */
function edit(...pairs: [string, string][]): string {
  let s = BEFORE;
  for (const [from, to] of pairs) {
    assert.ok(s.includes(from), from);
    s = s.replace(from, to);
  }
  return s;
}

describe('lintImagesChange', () => {
  const cases: { name: string; after: string; want: string[] }[] = [
    { name: 'no change', after: BEFORE, want: [] },
    {
      name: 'a new digest in order',
      after: edit([`["v2", "v2.0"]`, `["v2", "v2.0"]\n    "${d('3')}": ["v3"]`]),
      want: [],
    },
    {
      name: 'a tag move',
      after: edit([`["v2", "v2.0"]`, `["v2.0"]`], [`["v1"]`, `["v1", "v2"]`]),
      want: [`images.yaml:3: tag move: app:v2 was ${d('2')} and is now ${d('1')}; promotion refuses to move a tag (and the refusal blocks the whole run): push a new tag instead`],
    },
    {
      name: 'a removed tag',
      after: edit([`["v2", "v2.0"]`, `["v2"]`]),
      want: [`images.yaml:4: tag app:v2.0 removed from ${d('2')}; promotion never deletes, so removing it only hides what was promoted: keep it`],
    },
    {
      name: 'a removed digest',
      after: edit([`    "${d('1')}": ["v1"]\n`, '']),
      want: [`images.yaml:1: digest ${d('1')} of app removed (it was at line 3 before); promotion never deletes: keep it`],
    },
    {
      name: 'a renamed image is a removed one',
      after: edit(['- name: tool', '- name: tools']),
      want: ['images.yaml:1: image tool removed (it was at line 5 before); promotion never deletes, so removing it only hides what was promoted: keep it'],
    },
    {
      name: 'a tag written twice, and a tag on two digests',
      after: edit([`["v1"]`, `["v1", "v1"]`], [`["t1"]`, `["t1"]\n    "${d('6')}": ["t1"]`]),
      want: [
        `images.yaml:3: tag app:v1 written twice for ${d('1')}`,
        `images.yaml:8: tag tool:t1 is on two digests: ${d('5')} (line 7) and ${d('6')}; a tag names one digest`,
      ],
    },
    {
      name: 'an added digest out of order',
      after: edit([`["t1"]`, `["t1"]\n    "${d('6')}": ["a0"]`]),
      want: [`images.yaml:8: digest ${d('6')} of tool is out of order: digests are sorted by their lowest tag`],
    },
    {
      name: 'an added image out of order',
      after: `${BEFORE}- name: base\n  dmap:\n    "${d('7')}": ["b1"]\n`,
      want: ['images.yaml:8: image base is out of order: images are sorted by name'],
    },
    { name: 'broken YAML', after: `${BEFORE}  - : [\n`, want: ['images.yaml:8: invalid YAML'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = lintImagesChange('images.yaml', BEFORE, c.after, 'images-file').map(formatProblem);
      if (c.name === 'broken YAML') assert.match(got[0] ?? '', /^images\.yaml:\d+: invalid YAML/);
      else assert.deepEqual(got, c.want);
    });
  }

  it('a new file is all additions', () => {
    assert.deepEqual(lintImagesChange('images.yaml', undefined, BEFORE, 'images-file'), []);
  });
});
