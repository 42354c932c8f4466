import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem } from '../errors.js';
import { parsePlainManifest } from './plain.js';
import { manifestWarnings } from './warnings.js';

const D1 = 'sha256:' + '1'.repeat(64);
const REGS = 'registries:\n- name: gcr.io/s\n  src: true\n- name: gcr.io/p\n';

describe('manifest warnings', () => {
  it('a --manifest without images that looks like a thin promoter-manifest.yaml gets the hint', () => {
    const m = parsePlainManifest('tree/manifests/p/promoter-manifest.yaml', REGS).manifest!;
    const [w] = manifestWarnings(m, { plain: true });
    assert.match(formatProblem(w!), /^tree\/manifests\/p\/promoter-manifest\.yaml: no images: this looks like a thin manifest tree's promoter-manifest\.yaml .* --thin-manifest-dir/);
    const other = parsePlainManifest('m.yaml', `${REGS}images: []\n`).manifest!;
    assert.deepEqual(manifestWarnings(other, { plain: true }).map((p) => p.message), ['no images: the manifest lists no images, so nothing is planned']);
    assert.deepEqual(manifestWarnings(m, { plain: false }), [], 'a thin manifest has its images elsewhere');
  });

  it('the same image twice in one manifest is a warning at the second entry', () => {
    const m = parsePlainManifest('m.yaml', `${REGS}images:\n- name: app\n  dmap: {"${D1}": [v1]}\n- name: app\n  dmap: {"${D1}": [v2]}\n`).manifest!;
    assert.deepEqual(manifestWarnings(m, { plain: true }).map(formatProblem), [
      'm.yaml:8:3: image "app" is listed twice in this manifest (first at line 6): both entries are planned; list each image once',
    ]);
  });

  it('a missing src: true is located at the registries', () => {
    const got = parsePlainManifest('m.yaml', 'images: []\nregistries:\n- name: gcr.io/s\n- name: gcr.io/p\n').problems;
    assert.deepEqual(got.map(formatProblem), ['m.yaml:3:3: source registry must be set: mark exactly one registry with "src: true"']);
  });
});
