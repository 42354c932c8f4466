import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { addToImages, styled, type Addition } from './edit.js';
import { unifiedDiff } from './text-diff.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/k8s-io/images', import.meta.url));
const d = (c: string): string => `sha256:${c.repeat(64)}`;

/** The lines added and removed between two texts (order kept). */
function changed(before: string, after: string): { added: string[]; removed: string[] } {
  const diff = unifiedDiff('f', before, after).split('\n').slice(2);
  return {
    added: diff.filter((l) => l.startsWith('+')).map((l) => l.slice(1)),
    removed: diff.filter((l) => l.startsWith('-')).map((l) => l.slice(1)),
  };
}

const BASE = `# images of team
- name: alpha
  dmap:
    # first release
    "${d('1')}": ["v1.0.0"]
    "${d('3')}": ["v3.0.0","v3.0.1"]

- name: zeta   # the last one
  dmap:
    '${d('5')}': ['v1']
`;

describe('addToImages', () => {
  const cases: { name: string; add: Addition[]; added: string[]; removed?: string[] }[] = [
    {
      name: 'a digest between two others, in the style of its neighbours (no padding after a comma)',
      add: [{ name: 'alpha', digest: d('2'), tags: ['v2.0.0'] }],
      added: [`    "${d('2')}": ["v2.0.0"]`],
    },
    {
      name: 'a digest sorting first goes above the comment describing the old first line',
      add: [{ name: 'alpha', digest: d('0'), tags: ['v0.1', 'v0.0'] }],
      added: [`    "${d('0')}": ["v0.0","v0.1"]`],
    },
    {
      name: 'a new image at its sorted place, with the file\'s indentation',
      add: [{ name: 'mid', digest: d('4'), tags: ['1.10'] }],
      added: ['- name: mid', '  dmap:', `    "${d('4')}": ["1.10"]`],
    },
    {
      name: 'single quotes are kept where the image uses them',
      add: [{ name: 'zeta', digest: d('6'), tags: ['v2'] }],
      added: [`    '${d('6')}': ['v2']`],
    },
    {
      name: 'a tag added to a listed digest changes only that line',
      add: [{ name: 'alpha', digest: d('3'), tags: ['v3.0.2'] }],
      added: [`    "${d('3')}": ["v3.0.0","v3.0.1","v3.0.2"]`],
      removed: [`    "${d('3')}": ["v3.0.0","v3.0.1"]`],
    },
    {
      name: 'everything already listed: no change',
      add: [{ name: 'alpha', digest: d('1'), tags: ['v1.0.0'] }],
      added: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const after = addToImages('images.yaml', BASE, 'images-file', c.add);
      const got = changed(BASE, after);
      assert.deepEqual(got.added, c.added);
      assert.deepEqual(got.removed, c.removed ?? []);
    });
  }

  it('a line added above a commented line goes above its comment', () => {
    const after = addToImages('images.yaml', BASE, 'images-file', [{ name: 'alpha', digest: d('0'), tags: ['v0.0'] }]);
    assert.ok(after.includes(`  dmap:\n    "${d('0')}": ["v0.0"]\n    # first release\n`), after);
  });

  it('a plain manifest grows under images:, registries untouched', () => {
    const text = `registries:\n- name: gcr.io/s\n  src: true\nimages:\n- name: app\n  dmap:\n    "${d('1')}": ["v1"]\n`;
    const after = addToImages('m.yaml', text, 'plain-manifest', [{ name: 'app', digest: d('2'), tags: ['v2'] }]);
    assert.equal(after, `${text}    "${d('2')}": ["v2"]\n`);
  });

  it('an empty images file gets its first entry', () => {
    const after = addToImages('images.yaml', '', 'images-file', [{ name: 'app', digest: d('2'), tags: ['v2'] }]);
    assert.equal(after, `- name: app\n  dmap:\n    "${d('2')}": ["v2"]\n`);
  });

  it('a plain scalar that would read back as a number is quoted', () => {
    assert.equal(styled('1.10', 'PLAIN'), '"1.10"');
    assert.equal(styled('v1.10', 'PLAIN'), 'v1.10');
    assert.equal(styled("it's", 'QUOTE_SINGLE'), "'it''s'");
  });

  it('every real k8s.io images.yaml grows by exactly the new lines', () => {
    for (const project of readdirSync(FIXTURES)) {
      const file = join(FIXTURES, project, 'images.yaml');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const name = /- name: (\S+)/.exec(text)![1]!;
      const after = addToImages(file, text, 'images-file', [{ name, digest: d('f'), tags: ['v99.0.0'] }]);
      const got = changed(text, after);
      assert.deepEqual(got.removed, [], project);
      assert.equal(got.added.length, 1, project);
      assert.match(got.added[0]!, new RegExp(`^ +"${d('f')}": \\["v99\\.0\\.0"\\]$`), project);
    }
  });
});
