import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { digest, imageName, tag, type Digest, type RepoRef } from '../image/ref.js';
import { manifestLiteral } from '../manifest/literal.js';
import type { PromoterManifest } from '../manifest/schema.js';
import { MemoryProgress } from '../progress.js';
import { MediaTypes, type FetchedManifest, type RegistryClient } from '../registry/types.js';
import { manifestSnapshot, pathUnder } from './from-manifests.js';
import { toCSV } from './format.js';
import { isSnapshotMode, takeSnapshot } from './snapshot.js';

/** A read-only registry fake: repositories of manifests and tags; the rest is not needed here. */
class FakeRegistry implements Partial<RegistryClient> {
  readonly repos = new Map<string, { manifests: Map<string, FetchedManifest>; tags: Map<string, Digest> }>();
  put(repo: string, json: object, mediaType: string, t?: string): Digest {
    const bytes = new TextEncoder().encode(JSON.stringify({ mediaType, ...json }));
    const d = digest(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    const r = this.repos.get(repo) ?? { manifests: new Map(), tags: new Map() };
    this.repos.set(repo, r);
    r.manifests.set(d, { digest: d, mediaType, size: bytes.length, bytes });
    if (t) r.tags.set(t, d);
    return d;
  }
  async catalog() {
    return [...this.repos.keys()];
  }
  async listTags(repo: RepoRef) {
    return [...(this.repos.get(repo.repository)?.tags.keys() ?? [])];
  }
  private find(repo: RepoRef, ref: string) {
    const r = this.repos.get(repo.repository);
    const d = r?.tags.get(ref) ?? ref;
    return r?.manifests.get(d);
  }
  async headManifest(repo: RepoRef, ref: string) {
    const m = this.find(repo, ref);
    return m && { digest: m.digest, mediaType: m.mediaType, size: m.size };
  }
  async getManifest(repo: RepoRef, ref: string) {
    const m = this.find(repo, ref);
    if (!m) throw new Error(`no manifest ${ref}`);
    return m;
  }
}

function seed(reg: FakeRegistry, repo: string) {
  const amd = reg.put(repo, { layers: [{ digest: 'sha256:aa' }], arch: 'amd64' }, MediaTypes.ociManifest);
  const arm = reg.put(repo, { layers: [{ digest: 'sha256:aa' }], arch: 'arm64' }, MediaTypes.ociManifest, 'v1-arm64');
  const idx = reg.put(
    repo,
    { manifests: [amd, arm].map((d) => ({ digest: d, mediaType: MediaTypes.ociManifest, size: 1 })) },
    MediaTypes.ociIndex,
    'v1',
  );
  return { amd, arm, idx };
}

const client = (r: FakeRegistry) => r as unknown as RegistryClient;

test('--snapshot reads the repositories under the path, with index children as tagless digests', async () => {
  const reg = new FakeRegistry();
  const { amd, arm, idx } = seed(reg, 'prod/app');
  const single = reg.put('prod/sub/tool', { layers: [] }, MediaTypes.ociManifest, '1.0');
  reg.put('other/app', { layers: [] }, MediaTypes.ociManifest, 'x'); // outside the path
  reg.put('prodx/app', { layers: [] }, MediaTypes.ociManifest, 'x'); // a sibling prefix, outside too
  const progress = new MemoryProgress();
  const csv = await takeSnapshot({ snapshot: 'reg.example/prod', output: 'csv' }, { client: client(reg), progress });
  const expected = [
    ...[
      [amd, '-'],
      [arm, 'app:v1-arm64'],
      [idx, 'app:v1'],
    ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)).map(([d, t]) => `app@${d},${t}`),
    `sub/tool@${single},sub/tool:1.0`,
    '',
  ].join('\n');
  assert.equal(csv, expected);
  assert.deepEqual(progress.totals().get('snapshot'), { images: 2, bytes: 0 });

  // --minimal-snapshot drops the tagless child only (the tagged child stays)
  const minimal = await takeSnapshot({ snapshot: 'reg.example/prod', output: 'csv', minimalSnapshot: true }, { client: client(reg) });
  assert.ok(!minimal.includes(`${amd},-`));
  assert.ok(minimal.includes(`app@${arm},app:v1-arm64`));

  // --snapshot-tag keeps only that tag
  const tagged = await takeSnapshot({ snapshot: 'reg.example/prod', snapshotTag: 'v1' }, { client: client(reg) });
  assert.equal(tagged, `- name: app\n  dmap:\n    "${idx}": ["v1"]\n`);
});

test('--snapshot of a bare host lists every repository', async () => {
  const reg = new FakeRegistry();
  reg.put('a', { layers: [] }, MediaTypes.ociManifest, 't');
  reg.put('b/c', { layers: [] }, MediaTypes.ociManifest, 't');
  const csv = await takeSnapshot({ snapshot: 'reg.example', output: 'csv' }, { client: client(reg) });
  assert.deepEqual(csv.trim().split('\n').map((l) => l.split('@')[0]), ['a', 'b/c']);
});

test('an invalid --output is rejected before any read', async () => {
  await assert.rejects(takeSnapshot({ snapshot: 'r', output: 'json' }, { client: {} as RegistryClient }), /invalid snapshot output format: json/);
  assert.equal(isSnapshotMode({}), false);
  assert.equal(isSnapshotMode({ manifestBasedSnapshotOf: 'x' }), true);
});

const D = (c: string) => digest(`sha256:${c.repeat(64)}`);
const mf = manifestLiteral;

test('pathUnder matches whole path components', () => {
  const cases: [string, string, string | undefined][] = [
    ['gcr.io/a', 'gcr.io/a', ''],
    ['gcr.io/a/', 'gcr.io/a', ''],
    ['gcr.io/a', 'gcr.io/a/b/c', 'b/c'],
    ['gcr.io/a', 'gcr.io/ab', undefined],
    ['gcr.io/a', 'eu.gcr.io/a', undefined],
    ['gcr.io', 'gcr.io/a', 'a'],
  ];
  for (const [reg, dst, want] of cases) assert.equal(pathUnder(reg, dst), want, `${reg} vs ${dst}`);
});

test('manifestSnapshot: destinations at or under the registry, names relative to it, sources ignored', () => {
  const ms = [
    mf('staging.example/s', ['prod.example/p', 'prod.example/p/sub', 'other.example/p'], { app: { '1': ['v1', 'latest'], '2': [] } }),
    mf('prod.example/p', ['mirror.example/p'], { tool: { '3': ['x'] } }), // prod as a source: not counted
  ];
  assert.equal(
    toCSV(manifestSnapshot(ms, 'prod.example/p')),
    [`app@${D('1')},app:latest`, `app@${D('1')},app:v1`, `app@${D('2')},-`, `sub/app@${D('1')},sub/app:latest`, `sub/app@${D('1')},sub/app:v1`, `sub/app@${D('2')},-`, ''].join('\n'),
  );
  assert.equal(toCSV(manifestSnapshot(ms, 'nowhere.example')), '');
});

test('--manifest-based-snapshot-of with --minimal-snapshot reads index children from the source', async () => {
  const reg = new FakeRegistry();
  const { amd, idx } = seed(reg, 's/app');
  const ms = [mf('staging.example/s', ['prod.example/p'], {})];
  ms[0]!.images.push({ name: imageName('app'), dmap: new Map([[idx, [tag('v1')]], [amd, []]]), pos: { file: 'm' }, digestPos: new Map() });
  const full = await takeSnapshot({ manifestBasedSnapshotOf: 'prod.example/p', output: 'csv' }, { client: client(reg), loadManifests: async () => ms });
  assert.ok(full.includes(`app@${amd},-`));
  const minimal = await takeSnapshot({ manifestBasedSnapshotOf: 'prod.example/p', output: 'csv', minimalSnapshot: true }, { client: client(reg), loadManifests: async () => ms });
  assert.equal(minimal, `app@${idx},app:v1\n`);
});
