import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { tempTrees } from '../../test/support/tree.js';
import { InputError } from '../errors.js';
import { planOffline } from '../plan/offline.js';
import { loadManifests } from './load.js';
import { loadThinManifestDir } from './thin.js';

const D = (c: string) => 'sha256:' + c.repeat(64);

/** promoter-manifest.yaml with a source and destinations. */
const pm = (src: string, ...dsts: string[]) =>
  `registries:\n- name: ${src}\n  src: true\n${dsts.map((d) => `- name: ${d}\n`).join('')}`;
/** images.yaml with one image. */
const imgs = (name: string, dmap: Record<string, string[]>) =>
  `- name: ${name}\n  dmap:\n${Object.entries(dmap).map(([d, t]) => `    "${d}": ${JSON.stringify(t)}\n`).join('')}`;

const tree = tempTrees();

async function problemsOf(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((x) => x.message);
    throw err;
  }
  assert.fail('expected an InputError');
}

describe('thin manifest directories (upstream TestValidateThinManifestsFromDir cases)', () => {
  it('singleton', async () => {
    const root = await tree({
      'manifests/a/promoter-manifest.yaml': pm('gcr.io/staging-a', 'us.gcr.io/prod'),
      'images/a/images.yaml': imgs('foo', { [D('0')]: ['1.0'] }),
    });
    const r = await loadThinManifestDir(root);
    assert.deepEqual(r.problems, []);
    assert.equal(r.manifests.length, 1);
    assert.equal(r.manifests[0]!.file, join(root, 'manifests/a/promoter-manifest.yaml'));
    assert.equal(r.manifests[0]!.imagesFile, join(root, 'images/a/images.yaml'));
  });

  it('multiple rebases: destinations with sub-paths', async () => {
    const root = await tree({
      'manifests/a/promoter-manifest.yaml': pm('gcr.io/staging-a', 'us.gcr.io/prod/a', 'eu.gcr.io/prod/a'),
      'images/a/images.yaml': imgs('foo', { [D('0')]: ['1.0'] }),
      'manifests/b/promoter-manifest.yaml': pm('gcr.io/staging-b', 'us.gcr.io/prod/b', 'eu.gcr.io/prod/b'),
      'images/b/images.yaml': imgs('foo', { [D('1')]: ['1.0'] }),
    });
    const plan = await planOffline({ thinManifestDir: root });
    assert.deepEqual(plan.summary, { manifests: 2, images: 2, digests: 2, tags: 2, edges: 4 });
  });

  it('overlapping source registries are allowed', async () => {
    const root = await tree({
      'manifests/a/promoter-manifest.yaml': pm('gcr.io/staging', 'us.gcr.io/prod/a'),
      'images/a/images.yaml': imgs('foo', { [D('0')]: ['1.0'] }),
      'manifests/b/promoter-manifest.yaml': pm('gcr.io/staging', 'us.gcr.io/prod/b'),
      'images/b/images.yaml': imgs('bar', { [D('1')]: ['1.0'] }),
    });
    const plan = await planOffline({ thinManifestDir: root });
    assert.equal(plan.edges.length, 2);
  });

  it('overlapping destination vertices with the same digest: one edge', async () => {
    const root = await tree({
      'manifests/a/promoter-manifest.yaml': pm('gcr.io/staging-a', 'us.gcr.io/prod'),
      'images/a/images.yaml': imgs('foo', { [D('0')]: ['1.0'] }),
      'manifests/b/promoter-manifest.yaml': pm('gcr.io/staging-b', 'us.gcr.io/prod'),
      'images/b/images.yaml': imgs('foo', { [D('0')]: ['1.0'] }),
    });
    const plan = await planOffline({ thinManifestDir: root });
    assert.equal(plan.edges.length, 1);
    assert.equal(plan.edges[0]!.srcRegistry, 'gcr.io/staging-a', 'first manifest wins');
    assert.equal(plan.redundant, 1);
  });

  it('overlapping destination vertices with different digests: error naming both digests and files', async () => {
    const root = await tree({
      'manifests/a/promoter-manifest.yaml': pm('gcr.io/staging-a', 'us.gcr.io/prod'),
      'images/a/images.yaml': imgs('foo', { [D('0')]: ['1.0'] }),
      'manifests/b/promoter-manifest.yaml': pm('gcr.io/staging-b', 'us.gcr.io/prod'),
      'images/b/images.yaml': imgs('foo', { [D('1')]: ['1.0'] }),
    });
    const [msg, ...rest] = await problemsOf(planOffline({ thinManifestDir: root }));
    assert.deepEqual(rest, []);
    assert.match(msg!, /^overlapping edges detected: tag "1.0" of image "foo"/);
    for (const s of [D('0'), D('1'), 'images/a/images.yaml:3:5', 'images/b/images.yaml:3:5', 'us.gcr.io/prod/foo:1.0']) {
      assert.ok(msg!.includes(s), `${s} in ${msg}`);
    }
  });

  it('a bad top-level prefix is ignored (only manifests/ is walked), as is images/<p>/promoter-manifest.yaml', async () => {
    const root = await tree({
      'manifests/a/promoter-manifest.yaml': pm('gcr.io/staging-a', 'us.gcr.io/prod'),
      'images/a/images.yaml': imgs('foo', { [D('0')]: ['1.0'] }),
      'images/a/promoter-manifest.yaml': 'not: a valid manifest',
      'bad-prefix/b/promoter-manifest.yaml': 'not: a valid manifest',
      'manifests/a/notes.txt': 'ignored',
    });
    const r = await loadThinManifestDir(root);
    assert.deepEqual(r.problems, []);
    assert.equal(r.manifests.length, 1);
  });

  it('malformed tree: a manifest without its images.yaml (every one is reported)', async () => {
    const root = await tree({
      'manifests/a/promoter-manifest.yaml': pm('gcr.io/staging-a', 'us.gcr.io/prod'),
      'images/a/images.yaml': imgs('foo', { [D('0')]: ['1.0'] }),
      'manifests/b/promoter-manifest.yaml': pm('gcr.io/staging-b', 'us.gcr.io/prod'),
      'manifests/c/promoter-manifest.yaml': pm('gcr.io/staging-c', 'us.gcr.io/prod'),
    });
    const msgs = await problemsOf(loadManifests({ thinManifestDir: root }));
    assert.equal(msgs.length, 2);
    assert.match(msgs[0]!, /^corresponding file ".*images\/b\/images.yaml" does not exist/);
    assert.match(msgs[1]!, /^corresponding file ".*images\/c\/images.yaml" does not exist/);
  });

  it('malformed tree, nested: unexpected manifest path', async () => {
    const root = await tree({
      'manifests/a/promoter-manifest.yaml': pm('gcr.io/staging-a', 'us.gcr.io/prod'),
      'images/a/images.yaml': imgs('foo', { [D('0')]: ['1.0'] }),
      'manifests/a/nested/promoter-manifest.yaml': pm('gcr.io/staging-b', 'us.gcr.io/prod'),
      'manifests/promoter-manifest.yaml': pm('gcr.io/staging-c', 'us.gcr.io/prod'),
    });
    const msgs = await problemsOf(loadManifests({ thinManifestDir: root }));
    assert.equal(msgs.length, 2, msgs.join('\n'));
    assert.ok(msgs.every((m) => m.startsWith('unexpected manifest path "')));
    assert.ok(msgs[0]!.includes('manifests/a/nested/promoter-manifest.yaml'));
  });

  it('empty: no manifests found', async () => {
    const root = await tree({ 'manifests/a': null, images: null });
    const r = await loadThinManifestDir(root);
    assert.match(r.problems[0]!.message, /^no manifests found in dir: /);
    assert.match(r.warnings[0]!.message, /no promoter-manifest.yaml in this project folder/);
  });

  it('missing manifests/ and images/ folders, or a missing directory', async () => {
    const root = await tree({ 'x/promoter-manifest.yaml': pm('gcr.io/s', 'gcr.io/d') });
    const [msg] = await problemsOf(loadManifests({ thinManifestDir: root }));
    assert.match(msg!, /not a thin manifest directory: "images\/" and "manifests\/" missing/);
    assert.match(msg!, /this looks like a manifests\/ folder/);
    const [gone] = await problemsOf(loadManifests({ thinManifestDir: join(root, 'nope') }));
    assert.match(gone!, /no such directory/);
  });

  it('validates digests and tags of thin manifests too (upstream does not), across files', async () => {
    const root = await tree({
      'manifests/a/promoter-manifest.yaml': pm('gcr.io/staging-a', 'us.gcr.io/prod') + 'bogus: 1\n',
      'images/a/images.yaml': imgs('foo', { 'sha256:short': ['.bad'] }),
    });
    const r = await loadThinManifestDir(root);
    const got = r.problems.map((p) => `${p.file?.slice(root.length)}:${p.line}: ${p.message.split(':')[0]}`);
    assert.deepEqual(got, [
      '/manifests/a/promoter-manifest.yaml:5: unknown key "bogus" in a thin promoter manifest; allowed keys',
      '/images/a/images.yaml:3: invalid digest',
      '/images/a/images.yaml:3: invalid tag',
    ]);
  });

  it('a source registry is required in thin manifests', async () => {
    const root = await tree({
      'manifests/a/promoter-manifest.yaml': 'registries:\n- name: gcr.io/x\n',
      'images/a/images.yaml': imgs('foo', { [D('0')]: [] }),
    });
    const msgs = await problemsOf(loadManifests({ thinManifestDir: root }));
    assert.match(msgs[0]!, /^source registry must be set/);
  });
});

describe('loadManifests', () => {
  it('needs one of the two sources (upstream message)', async () => {
    const [msg] = await problemsOf(loadManifests({}));
    assert.match(msg!, /^at least a manifest file or thin manifest directory have to be specified/);
  });

  it('prefers --manifest over --thin-manifest-dir, with a warning', async () => {
    const root = await tree({ 'm.yaml': pm('gcr.io/s', 'gcr.io/d') + `images:\n${imgs('foo', { [D('0')]: ['v1'] }).replace(/^/gm, '  ')}` });
    const r = await loadManifests({ manifest: join(root, 'm.yaml'), thinManifestDir: join(root, 'nope') });
    assert.equal(r.manifests.length, 1);
    assert.equal(r.manifests[0]!.images.length, 1);
    assert.match(r.warnings[0]!.message, /ignored because --manifest is set/);
  });

  it('a missing manifest file is an input problem, not a crash', async () => {
    const [msg] = await problemsOf(loadManifests({ manifest: '/nonexistent/m.yaml' }));
    assert.equal(msg, 'cannot read manifest file: no such file or directory');
  });
});
