/** The two RegistryStore implementations behave alike (same table of checks for both). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DirStore } from './dir.js';
import { MemoryStore } from './memory.js';
import { findReferrers, missingReferences, parseManifestRefs } from './refs.js';
import type { RegistryStore } from './store.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI = 'application/vnd.oci.image.manifest.v1+json';

const stores: [string, () => Promise<{ store: RegistryStore; done: () => Promise<void> }>][] = [
  ['memory', async () => ({ store: new MemoryStore(), done: async () => undefined })],
  [
    'dir',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'kpromo-store-'));
      return { store: new DirStore(dir), done: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
];

for (const [name, make] of stores) {
  describe(`${name} store`, () => {
    it('writes a blob in pieces, streams it back whole or by range; an aborted writer leaves nothing', async (t) => {
      const { store, done } = await make();
      t.after(done);
      const w = await store.createBlobWriter();
      await w.write(enc('hello '));
      await w.write(enc('world'));
      assert.equal(w.size, 11);
      const back: Uint8Array[] = [];
      for await (const c of w.read()) back.push(c);
      assert.equal(Buffer.concat(back).toString(), 'hello world');
      const d = sha(enc('hello world'));
      await w.commit('r', d);
      assert.equal(await store.statBlob('r', d), 11);
      const read = async (range?: { start: number; end: number }): Promise<string> => {
        const parts: Uint8Array[] = [];
        for await (const c of (await store.openBlob('r', d, range))!) parts.push(c);
        return Buffer.concat(parts).toString();
      };
      assert.equal(await read(), 'hello world');
      assert.equal(await read({ start: 6, end: 10 }), 'world');
      assert.equal(await store.openBlob('other', d), undefined);
      const a = await store.createBlobWriter();
      await a.write(enc('dropped'));
      await a.abort();
      await a.abort();
      assert.deepEqual(await store.listRepositories(), ['r']);
    });

    it('links blobs per repository, mounts, unlinks', async (t) => {
      const { store, done } = await make();
      t.after(done);
      const b = enc('layer');
      await store.putBlob('a/x', sha(b), b);
      assert.equal(await store.statBlob('a/x', sha(b)), 5);
      assert.equal(await store.statBlob('b', sha(b)), undefined);
      assert.equal(await store.linkBlob('b', sha(b)), true);
      assert.deepEqual(await store.getBlob('b', sha(b)), b);
      assert.equal(await store.linkBlob('b', sha(enc('none'))), false);
      assert.equal(await store.unlinkBlob('b', sha(b)), true);
      assert.equal(await store.getBlob('b', sha(b)), undefined);
    });

    it('keeps manifests byte-exact with their media type, tags them, deletes with their tags', async (t) => {
      const { store, done } = await make();
      t.after(done);
      const m = enc('{ "schemaVersion": 2 }');
      await store.putManifest('r', sha(m), { mediaType: OCI, bytes: m });
      await store.setTag('r', 'v1', sha(m));
      await store.setTag('r', 'a0', sha(m));
      assert.deepEqual(await store.getManifest('r', sha(m)), { mediaType: OCI, bytes: m });
      assert.deepEqual(await store.listTags('r'), ['a0', 'v1']);
      assert.equal(await store.listTags('nope'), undefined);
      assert.deepEqual(await store.listManifests('r'), [sha(m)]);
      assert.deepEqual(await store.listRepositories(), ['r']);
      assert.equal(await store.deleteManifest('r', sha(m)), true);
      assert.deepEqual(await store.listTags('r'), []);
      assert.equal(await store.getManifest('r', sha(m)), undefined);
      assert.equal(await store.deleteManifest('r', sha(m)), false);
    });

    it('finds missing references and referrers', async (t) => {
      const { store, done } = await make();
      t.after(done);
      const cfg = enc('{}');
      await store.putBlob('r', sha(cfg), cfg);
      const subject = { mediaType: OCI, digest: sha(enc('s')), size: 1 };
      const art = enc(JSON.stringify({ schemaVersion: 2, mediaType: OCI, artifactType: 'x/y', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(cfg), size: 2 }, layers: [{ mediaType: 'l', digest: sha(enc('gone')), size: 4 }], subject }));
      const refs = parseManifestRefs(art, OCI);
      assert.deepEqual(await missingReferences(store, 'r', refs), [sha(enc('gone'))]);
      await store.putManifest('r', sha(art), { mediaType: OCI, bytes: art });
      assert.deepEqual(await findReferrers(store, 'r', subject.digest), [{ mediaType: OCI, digest: sha(art), size: art.length, artifactType: 'x/y' }]);
      assert.deepEqual(await findReferrers(store, 'r', subject.digest, 'other'), []);
    });
  });
}

describe('parseManifestRefs', () => {
  const table: [string, string, string, RegExp][] = [
    ['not json', '{', OCI, /not valid JSON/],
    ['schema 1', '{"schemaVersion":1}', OCI, /schemaVersion/],
    ['image without config', '{"schemaVersion":2,"layers":[]}', OCI, /config/],
    ['index without manifests', '{"schemaVersion":2}', 'application/vnd.oci.image.index.v1+json', /manifests/],
  ];
  for (const [what, json, type, re] of table) {
    it(`rejects ${what}`, () => assert.throws(() => parseManifestRefs(enc(json), type), re));
  }
});

describe('memory store byte cap', () => {
  it('counts stored content and uploads in progress; refuses past the cap; releases aborted uploads', async () => {
    const store = new MemoryStore({ maxBytes: 10 });
    await store.putBlob('r', sha(enc('abcd')), enc('abcd'));
    await store.putBlob('r', sha(enc('abcd')), enc('abcd')); // already stored: no more bytes
    const w = await store.createBlobWriter();
    await w.write(enc('123456'));
    assert.equal(store.bytesUsed, 10);
    await assert.rejects(w.write(enc('7')), { code: 'SIZE_INVALID', status: 413 });
    await w.abort();
    assert.equal(store.bytesUsed, 4);
    await assert.rejects(store.putManifest('r', sha(enc('x'.repeat(7))), { mediaType: OCI, bytes: enc('x'.repeat(7)) }), { code: 'SIZE_INVALID' });
    const again = await store.createBlobWriter();
    await again.write(enc('abcd'));
    await again.commit('s', sha(enc('abcd'))); // same content as stored: its bytes are released
    assert.equal(store.bytesUsed, 4);
  });
});
