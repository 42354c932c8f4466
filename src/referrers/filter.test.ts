import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../errors.js';
import { parseReferrerFilter, wanted } from './filter.js';

test('parseReferrerFilter: all (default), none, types; a mix is refused', () => {
  assert.deepEqual(parseReferrerFilter([]), { kind: 'all' });
  assert.deepEqual(parseReferrerFilter(['all']), { kind: 'all' });
  assert.deepEqual(parseReferrerFilter(['none']), { kind: 'none' });
  assert.deepEqual(parseReferrerFilter(['application/spdx+json,sig', ' att ']), { kind: 'types', types: new Set(['application/spdx+json', 'sig', 'att']) });
  assert.throws(() => parseReferrerFilter(['all', 'sig']), InputError);
  assert.throws(() => parseReferrerFilter(['none,sig']), InputError);
});

test('wanted: by artifact type, manifest media type, cosign suffix or its layer type', () => {
  const spdx = { artifactType: 'application/spdx+json', mediaType: 'application/vnd.oci.image.manifest.v1+json' };
  const cases: Array<[string[], object, boolean]> = [
    [['all'], spdx, true],
    [['none'], spdx, false],
    [['application/spdx+json'], spdx, true],
    [['application/vnd.in-toto+json'], spdx, false],
    [['application/vnd.oci.image.manifest.v1+json'], spdx, true],
    [['sig'], { suffix: 'sig' }, true],
    [['sbom'], { suffix: 'sig' }, false],
    [['application/vnd.dev.cosign.simplesigning.v1+json'], { suffix: 'sig' }, true],
    [['application/vnd.dsse.envelope.v1+json'], { suffix: 'att' }, true],
    [['att'], spdx, false],
  ];
  for (const [flag, t, want] of cases) assert.equal(wanted(parseReferrerFilter(flag), t), want, `${flag} ${JSON.stringify(t)}`);
});
