/**
 * kpromo's HTTP client against the in-process registry: the two implementations of the
 * protocol agree (mount, chunked upload, referrers API, pagination) on a real socket.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import { startRegistryServer } from '../../src/registry/server/server.js';
import { buildImage, putImage } from '../../src/registry/memory/fixtures.js';

describe('HTTP client against the in-process registry', () => {
  it('copies an image by mount and chunked upload, reads referrers and paged tags', async (t) => {
    const reg = await startRegistryServer();
    t.after(() => reg.stop());
    const client = createHttpRegistryClient();
    t.after(() => client.close());
    const img = await putImage(reg.store, 'src/app', buildImage({ seed: 'hc', layers: 2, layerSize: 1000 }), 'v1');
    const sig = await putImage(reg.store, 'src/app', buildImage({ seed: 'hc-sig', subject: img, artifactType: 'application/x-sig' }));
    for (let i = 0; i < 5; i++) await reg.store.setTag('src/app', `t${i}`, img.digest);

    const src = { host: reg.host, repository: 'src/app' };
    const dst = { host: reg.host, repository: 'dst/app' };
    assert.equal((await client.mountBlob(dst, img.config.digest, 'src/app')).mounted, true);
    for (const layer of img.layers) {
      const res = await client.mountBlob(dst, layer.digest, 'nowhere');
      assert.equal(res.mounted, false);
      const body = await client.getBlob(src, layer.digest, { size: layer.size });
      await client.uploadBlob(dst, layer, body as Readable, { session: res.mounted ? undefined : res.session, chunkSize: 300 });
    }
    assert.equal(await client.putManifest(dst, 'v1', img), img.digest);
    assert.deepEqual(new Uint8Array((await client.getManifest(dst, 'v1')).bytes), img.bytes);
    assert.deepEqual((await client.listTags(src)).sort(), ['t0', 't1', 't2', 't3', 't4', 'v1']);
    const refs = await client.listReferrers(src, img.digest);
    assert.deepEqual(refs.map((d) => [d.digest, d.artifactType]), [[sig.digest, 'application/x-sig']]);
    assert.ok(reg.stats.byKind['PATCH upload']! >= 4, JSON.stringify(reg.stats.byKind));
  });
});
