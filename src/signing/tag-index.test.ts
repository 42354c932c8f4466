import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, type RepoRef } from '../image/ref.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, putImage } from '../registry/memory/fixtures.js';
import { MemoryStore } from '../registry/store/memory.js';
import { attachBundle } from './bundle-attach.js';
import { referrersTag } from '../registry/digest.js';
import { TagIndex } from './tag-index.js';

const repo = (repository: string, host = 'r.local'): RepoRef => ({ host, repository });

async function registry(referrers: boolean) {
  const store = new MemoryStore();
  const client = new MemoryRegistryClient({ hosts: { 'r.local': store }, referrers });
  const imgs = ['a', 'b', 'c'].map((seed) => buildImage({ seed }));
  for (const i of imgs) await putImage(store, 'app', i, `v-${i.digest.slice(7, 15)}`);
  return { client, store, imgs };
}

test('mayExist: one listing per repository shared by concurrent callers; seeded and written tags need none', async () => {
  const { client, imgs } = await registry(true);
  const tags = new TagIndex(client);
  const tagOf = `v-${imgs[0]!.digest.slice(7, 15)}`;
  const answers = await Promise.all([tags.mayExist(repo('app'), tagOf), tags.mayExist(repo('app'), 'nope'), tags.mayExist(repo('app'), 'x.sig')]);
  assert.deepEqual(answers, [true, false, false]);
  assert.equal(client.calls.listTags, 1);
  assert.equal(tags.listings, 1);
  assert.equal(await tags.mayExist(repo('missing'), 'v1'), false, 'a repository that does not exist has no tags');
  assert.equal(client.calls.listTags, 2);

  tags.add(repo('app'), 'x.sig');
  assert.equal(await tags.mayExist(repo('app'), 'x.sig'), true, 'a tag this run wrote exists');
  tags.seed(repo('dst', 'd.local'), ['v1']);
  assert.deepEqual([await tags.mayExist(repo('dst', 'd.local'), 'v1'), await tags.mayExist(repo('dst', 'd.local'), 'v2')], [true, false]);
  assert.equal(client.calls.listTags, 2, 'seeded repositories are not listed');
  assert.equal(client.calls.headManifest + client.calls.getManifest, 0);
});

test('mayExist: a failed listing makes the repository unknown (every tag may exist) and is not retried', async () => {
  let failures = 0;
  const client = new MemoryRegistryClient({
    autoCreateHosts: true,
    intercept: (c) => {
      if (c.op === 'listTags') {
        failures++;
        throw new Error('listing refused');
      }
    },
  });
  const tags = new TagIndex(client);
  assert.equal(await tags.mayExist(repo('app'), 'a.sig'), true);
  assert.equal(await tags.mayExist(repo('app'), 'b.sig'), true);
  assert.equal(failures, 1);
});

test('listReferrers without the referrers API: one probe per host, then only digests whose fallback tag exists are read', async () => {
  const { client, imgs } = await registry(false);
  const [a, b, c] = imgs as [(typeof imgs)[0], (typeof imgs)[0], (typeof imgs)[0]];
  await attachBundle(client, repo('app'), a.digest, { dsseEnvelope: { payload: '' } }, { k: 'v' });
  assert.equal(client.referrersSupport('r.local'), false);
  const tags = new TagIndex(new MemoryRegistryClient({ hosts: { 'r.local': client.store('r.local') }, referrers: false }));
  const fresh = tags.client as MemoryRegistryClient;
  assert.equal(fresh.referrersSupport('r.local'), undefined, 'unknown before the first call');
  const lists = await Promise.all([b, c, a].map((i) => tags.listReferrers(repo('app'), digest(i.digest))));
  assert.deepEqual(lists.map((l) => l.length), [0, 0, 1]);
  assert.equal(lists[2]![0]!.annotations?.k, 'v');
  const asked = fresh.history.filter((h) => h.op === 'listReferrers').map((h) => h.reference);
  // `b` went first and alone (the probe); `c` then needed no read (no fallback tag), `a` did.
  assert.deepEqual(asked, [b.digest, a.digest]);
  assert.equal(fresh.calls.listTags, 1);
  assert.equal(fresh.calls.getManifest + fresh.calls.headManifest, 0);
  assert.ok(await tags.mayExist(repo('app'), referrersTag(digest(a.digest))));
});

test('listReferrers with the referrers API: every digest is asked (bundles are only discoverable that way)', async () => {
  const { client, imgs } = await registry(true);
  await attachBundle(client, repo('app'), imgs[1]!.digest, { dsseEnvelope: { payload: '' } }, { k: 'v' });
  client.resetCalls();
  const tags = new TagIndex(client);
  const lists = await Promise.all(imgs.map((i) => tags.listReferrers(repo('app'), digest(i.digest))));
  assert.deepEqual(lists.map((l) => l.length), [0, 1, 0]);
  assert.equal(client.calls.listReferrers, 3);
  assert.equal(client.calls.listTags, 0, 'no listing is needed when the API answers');
  assert.equal(client.referrersSupport('r.local'), true);
});

test('a client without referrersSupport is always asked', async () => {
  const { client, imgs } = await registry(false);
  const bare = Object.create(client) as MemoryRegistryClient;
  Object.defineProperty(bare, 'referrersSupport', { value: undefined });
  const tags = new TagIndex(bare);
  for (const i of imgs) await tags.listReferrers(repo('app'), digest(i.digest));
  assert.equal(client.calls.listReferrers, 3);
});

test('listReferrers: read once per digest per run, and again after this run attached a referrer', async () => {
  const { client, imgs } = await registry(true);
  const tags = new TagIndex(client);
  const d = digest(imgs[0]!.digest);
  assert.deepEqual(await tags.listReferrers(repo('app'), d), []);
  assert.deepEqual(await tags.listReferrers(repo('app'), d), []);
  assert.equal(client.calls.listReferrers, 1);
  await attachBundle(client, repo('app'), d, { dsseEnvelope: { payload: '' } }, { k: 'v' }, { tags });
  assert.equal((await tags.listReferrers(repo('app'), d)).length, 1, 'the attached referrer is seen');
});

test('listReferrers: one read per digest whatever the artifactType filters of its callers (provenance, validate, referrers)', async () => {
  const { client, imgs } = await registry(true);
  const d = digest(imgs[0]!.digest);
  await attachBundle(client, repo('app'), d, { dsseEnvelope: { payload: '' } }, { k: 'v' });
  client.resetCalls();
  const tags = new TagIndex(client);
  const [bundles, all, other] = await Promise.all([
    tags.listReferrers(repo('app'), d, { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }),
    tags.listReferrers(repo('app'), d),
    tags.listReferrers(repo('app'), d, { artifactType: 'application/spdx+json' }),
  ]);
  assert.deepEqual([bundles.length, all.length, other.length], [1, 1, 0]);
  assert.equal(client.calls.listReferrers, 1);
});
