/**
 * Round trips that do not depend on each other overlap: a blob's upload session opens while its
 * bytes are still being read from staging, and the copy does not wait for the attachments to be
 * found (when no signature holds the tags back). Each is shown on in-process registries by a
 * staging store that holds a read until the mirror has seen the request that should overlap it
 * (or a bound passes, which the test then reports).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistryServer, type RegistryServer } from '../../src/registry/server/server.js';
import { MemoryStore } from '../../src/registry/store/memory.js';
import type { ByteRange } from '../../src/registry/store/store.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { buildImage, pushImage, type ImageData } from '../support/seed.js';
import { keyTrust, newKey } from '../trust/harness.js';
import { assertHasImage, promote, writeManifest } from './harness.js';

const BOUND_MS = 5_000;

/** A staging store whose blob reads or tag lists wait until `released()` holds (checked on every mirror arrival), or the bound. */
class HeldStore extends MemoryStore {
  hold: { blobs: boolean; tags: boolean } = { blobs: false, tags: false };
  /** Blob reads answer 404 (after their hold). */
  lose = false;
  released: () => Promise<boolean> = async () => true;
  /** Reads held, and those that went on only because the bound passed. */
  held = 0;
  timedOut = 0;

  private async wait(): Promise<void> {
    this.held++;
    if (!(await this.released())) this.timedOut++;
  }
  override async openBlob(repo: string, digest: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined> {
    if (this.hold.blobs) await this.wait();
    return this.lose ? undefined : super.openBlob(repo, digest, range);
  }
  override async listTags(repo: string): Promise<string[] | undefined> {
    if (this.hold.tags) await this.wait();
    return super.listTags(repo);
  }
}

let store: HeldStore;
let staging: RegistryServer;
let dir: string;
let img: ImageData;

before(async () => {
  store = new HeldStore();
  staging = await startRegistryServer({ store });
  dir = await mkdtemp(join(tmpdir(), 'kpromo-overlap-'));
  img = buildImage({ seed: 'overlap-app', layers: 1 });
  await pushImage(staging, 'staging/app', img, 'v1');
});
after(async () => {
  await staging.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A fresh mirror behind a proxy that logs its arrivals; the staging store waits for `kind` to arrive there. */
async function mirrorAwaiting(t: { after: (fn: () => Promise<unknown>) => void }, kinds: string[]): Promise<{ mirror: RegistryServer; proxy: FaultProxy }> {
  const mirror = await startRegistryServer();
  const proxy = await startFaultProxy({ target: mirror.url, lifetimeMs: 60_000 });
  t.after(async () => {
    await proxy.stop();
    await mirror.stop();
  });
  store.released = () =>
    proxy.until(() => proxy.arrivals.some((a) => kinds.includes(a.kind)), kinds.join(' or '), BOUND_MS).then(
      () => true,
      () => false,
    );
  return { mirror, proxy };
}

test("a blob's upload session opens while its bytes are read from the source", async (t) => {
  const { mirror, proxy } = await mirrorAwaiting(t, ['upload-start']);
  store.hold = { blobs: true, tags: false };
  store.held = store.timedOut = 0;
  t.after(() => void (store.hold = { blobs: false, tags: false }));
  const manifest = await writeManifest(dir, `${staging.host}/staging`, [`${proxy.host}/prod`], [{ name: 'app', dmap: { [img.digest]: ['v1'] } }]);
  const r = await promote(manifest);
  assert.equal(r.failure, undefined, r.failure?.message);
  await assertHasImage(mirror, 'prod/app', img, 'v1');
  assert.equal(store.held, 1 + img.layers.length, 'every source blob read was held');
  assert.equal(store.timedOut, 0, 'a source blob read waited for an upload that only began after it');
  // the session opened early is the one the bytes went into: one POST and one PUT per blob
  const blobs = 1 + img.layers.length;
  assert.equal(proxy.counters().byKind['upload-start'], blobs);
  assert.equal(proxy.counters().byKind['upload-put'], blobs);
});

test('an upload session opened while the source read fails is cancelled, not left open on the mirror', async (t) => {
  const { proxy } = await mirrorAwaiting(t, ['upload-start']);
  store.hold = { blobs: true, tags: false };
  store.lose = true;
  store.held = store.timedOut = 0;
  t.after(() => {
    store.hold = { blobs: false, tags: false };
    store.lose = false;
  });
  const manifest = await writeManifest(dir, `${staging.host}/staging`, [`${proxy.host}/lost`], [{ name: 'app', dmap: { [img.digest]: ['v1'] } }]);
  const r = await promote(manifest);
  assert.ok(r.failure, 'the run fails: no blob could be read');
  assert.equal(store.timedOut, 0, 'every session opened while its read was held');
  const opened = proxy.arrivals.filter((a) => a.kind === 'upload-start' && a.outcome === 202).length;
  const cancelled = proxy.arrivals.filter((a) => a.method === 'DELETE' && /\/blobs\/uploads\/./.test(a.path) && a.outcome === 204);
  assert.equal(opened, 1 + img.layers.length, 'a session was opened for every blob');
  assert.equal(cancelled.length, opened, 'every opened session was cancelled');
  assert.equal(proxy.counters().byKind['upload-put'] ?? 0, 0);
});

test('the copy does not wait for the attachments to be found when no signature holds the tags', async (t) => {
  // the staging tag list that tells whether the image has cosign attachments is held until the
  // mirror receives the image's first blob write
  const { mirror, proxy } = await mirrorAwaiting(t, ['upload-start', 'blob-mount']);
  store.hold = { blobs: false, tags: true };
  store.held = store.timedOut = 0;
  t.after(() => void (store.hold = { blobs: false, tags: false }));
  const manifest = await writeManifest(dir, `${staging.host}/staging`, [`${proxy.host}/held`], [{ name: 'app', dmap: { [img.digest]: ['v1'] } }]);
  const r = await promote(manifest, { trust: keyTrust(newKey(), undefined, { checks: false }) });
  assert.equal(r.failure, undefined, r.failure?.message);
  await assertHasImage(mirror, 'held/app', img, 'v1');
  assert.equal(store.held, 1, "the source repository's tag list was held");
  assert.equal(store.timedOut, 0, 'finding the attachments held up the copy');
  assert.deepEqual((r.report.attachments as { planned: object }).planned, { present: 0, copy: 0, refused: 0 }, 'the attachments were still planned');
});
