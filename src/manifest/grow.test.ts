import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError, formatProblem } from '../errors.js';
import { decodeImagesFile } from './decode.js';
import { planGrowth, type GrowFilters, type StagingImage } from './grow.js';
import { YamlReader } from './yaml.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const listed = decodeImagesFile(YamlReader.parse('images.yaml', `- name: app\n  dmap:\n    "${d('1')}": ["v1"]\n`));

function staging(entries: Record<string, Record<string, { tags: string[]; children?: string[] }>>): StagingImage[] {
  return Object.entries(entries).map(([name, digests]) => ({ name, digests: new Map(Object.entries(digests)) }));
}

const STAGING = staging({
  app: {
    [d('1')]: { tags: ['v1', 'latest'] },
    [d('2')]: { tags: ['v2', 'v2.0'] },
    [d('3')]: { tags: ['v3'], children: [d('4'), d('5')] },
    [d('4')]: { tags: [] },
    [d('5')]: { tags: ['v3-arm64'] },
    [d('6')]: { tags: [] },
  },
  'mock/app': { [d('7')]: { tags: ['v1'] } },
  other: { [d('8')]: { tags: ['1.0'] } },
});

describe('planGrowth', () => {
  const cases: { name: string; filters: GrowFilters; want: string[] }[] = [
    { name: 'everything tagged, minus latest, mock/ and index children; what is listed is not repeated', filters: {}, want: [`app@${d('2')}:v2,v2.0`, `app@${d('3')}:v3`, `other@${d('8')}:1.0`] },
    { name: 'a tag glob', filters: { tags: ['v2*'] }, want: [`app@${d('2')}:v2,v2.0`] },
    { name: 'an image glob', filters: { images: ['oth*'] }, want: [`other@${d('8')}:1.0`] },
    { name: 'a digest filter adds a tagless digest only when named', filters: { digests: [d('6')] }, want: [`app@${d('6')}:`] },
    { name: 'a digest listed with all its tags adds nothing', filters: { images: ['app'], digests: [d('1')] }, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = planGrowth(listed, STAGING, c.filters).additions.map((a) => `${a.name}@${a.digest}:${a.tags.join(',')}`);
      assert.deepEqual(got, c.want);
    });
  }

  it('adds a tag staging put on a digest already listed', () => {
    const s = staging({ app: { [d('1')]: { tags: ['v1', 'v1.0'] } } });
    assert.deepEqual(planGrowth(listed, s, {}).additions, [{ name: 'app', digest: d('1'), tags: ['v1.0'] }]);
  });

  it('asking for latest is an error', () => {
    assert.throws(() => planGrowth(listed, STAGING, { tags: ['latest'] }), (e: InputError) => /"latest" tag is never promoted/.test(e.message));
  });

  it('filters that match nothing: "no images survived filtering"', () => {
    assert.throws(() => planGrowth(listed, STAGING, { tags: ['v9*'] }), (e: InputError) => /^no images survived filtering \(--tag v9\*\)$/.test(e.message));
    assert.throws(() => planGrowth(listed, STAGING, { images: ['mock/app'] }), /no images survived filtering/);
  });

  it('a tag listed for another digest is refused as a tag move, located at the listed digest', () => {
    const s = staging({ app: { [d('9')]: { tags: ['v1'] } } });
    assert.throws(
      () => planGrowth(listed, s, {}),
      (e: InputError) => e.problems.map(formatProblem).join() === `images.yaml:3:5: tag move refused: app:v1 is listed for ${d('1')}; staging now has it on ${d('9')} (promotion never moves a tag: push a new tag instead)`,
    );
  });
});
