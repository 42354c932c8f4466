/**
 * Large (streamed, > 1 MiB) blobs under faults, end to end through `kpromo cip` (main): real
 * Distribution registries behind fault proxies. A 429, 503 or reset on the source GET or on the
 * destination's PATCH/PUT is retried, the image is promoted and verified, and the source is read
 * once per blob when nothing fails (bounded re-reads when something does). A corrupt source blob
 * is refused before the upload is committed, even by a destination that does not check digests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRegistryServer } from '../../src/registry/server/server.js';
import { startDistributions, type Distribution } from '../support/distribution.js';
import { type FaultKind, type FaultProxy, type NthFault } from '../support/fault-proxy.js';
import { assertPromoted as assertImage, FaultRun, type ProxyOptions } from '../support/fault-run.js';
import { fetchManifest, seedImage, type ImageData, type SeedTarget } from '../support/seed.js';

/** 1.5 MiB: over SMALL_BLOB_BYTES, so the layer is streamed. */
const LAYER = 1536 * 1024;

let faults: FaultRun;
let staging: Distribution;
let img: ImageData;

const fronted = (target: string, opts: ProxyOptions = {}): Promise<FaultProxy> => faults.fronted(target, opts);
const mirrors = (n: number): Promise<Distribution[]> => faults.mirrors(n);

type Report = { outcomes: Array<{ outcome: string; error?: string }> };

/** Runs `kpromo cip --confirm` promoting `img` as prod/app:v1 from `src` to `dsts`. */
const promote = (src: string, dsts: string[], extra: string[] = []): Promise<{ code: number; err: string; report: Report }> =>
  faults.promote<Report>(src, dsts, [{ name: 'app', data: img }], extra);

/** prod/app:v1 on `reg` with its manifest and every blob hashing to their digests. */
const assertPromoted = (reg: SeedTarget & { host: string }): Promise<void> => assertImage(reg, { name: 'app', data: img });

const unique = (): number => img.config.size + img.layers[0]!.size;

describe('large blobs under faults', () => {
  before(async () => {
    faults = await FaultRun.start('kpromo-large-', { maxRequests: 5_000, retryAfterSeconds: 1 });
    [staging] = (await startDistributions(1)) as [Distribution];
    faults.defer(() => staging.stop());
    img = await seedImage(staging, 'staging/app', 'v1', { seed: 'large-blob', layers: 1, layerSize: LAYER });
  });
  after(() => faults.stop());

  it('without faults the source is read once per blob', async () => {
    const regs = await mirrors(2);
    const src = await fronted(staging.url);
    const run = await promote(src.host, regs.map((r) => r.host));
    assert.equal(run.code, 0, run.err);
    for (const r of regs) await assertPromoted(r);
    assert.equal(src.counters().blobBytesToClient, unique(), 'source bytes read = unique bytes');
  });

  const destination: Array<[FaultKind, NthFault['kind']]> = [
    ['throttle', 'upload-patch'],
    ['unavailable', 'upload-patch'],
    ['reset', 'upload-patch'],
    ['throttle', 'upload-put'],
    ['unavailable', 'upload-put'],
    ['reset', 'upload-put'],
  ];
  for (const [fault, kind] of destination) {
    it(`a ${fault} on the destination's ${kind} of the large blob is retried`, async () => {
      const regs = await mirrors(2);
      const src = await fronted(staging.url);
      const bad = await fronted(regs[0]!.url, { nth: [{ kind, n: 1, fault }] });
      const run = await promote(src.host, [bad.host, regs[1]!.host]);
      assert.equal(run.code, 0, run.err);
      for (const r of regs) await assertPromoted(r);
      assert.equal(bad.counters().faults[fault], 1, 'the fault was injected');
      const read = src.counters().blobBytesToClient;
      assert.ok(read >= unique() && read <= unique() + img.layers[0]!.size, `source bytes ${read}: at most one re-read of the layer`);
    });
  }

  for (const fault of ['throttle', 'unavailable', 'reset', 'truncate'] as const) {
    it(`a ${fault} on the source GET of the large blob is retried`, async () => {
      const regs = await mirrors(2);
      const src = await fronted(staging.url, { paths: [{ path: img.layers[0]!.digest, fault, times: 1 }] });
      const run = await promote(src.host, regs.map((r) => r.host));
      assert.equal(run.code, 0, run.err);
      for (const r of regs) await assertPromoted(r);
      assert.equal(src.counters().faults[fault], 1, 'the fault was injected');
      const read = src.counters().blobBytesToClient;
      assert.ok(read >= unique() && read <= unique() + img.layers[0]!.size, `source bytes ${read}: at most one re-read of the layer`);
    });
  }

  // A 2 s window and 10 KiB/s floor against a body trickling a byte every 50 ms.
  const floor = ['--registry-min-throughput', '10240', '--registry-throughput-window', '2'];

  it('a trickling source body fails by the throughput floor and is read again; the run converges', async () => {
    const regs = await mirrors(2);
    const src = await fronted(staging.url, { trickleMs: 50, paths: [{ path: img.layers[0]!.digest, fault: 'trickle', times: 1 }] });
    const run = await promote(src.host, regs.map((r) => r.host), floor);
    assert.equal(run.code, 0, run.err);
    for (const r of regs) await assertPromoted(r);
    assert.equal(src.counters().faults.trickle, 1);
    assert.equal(src.arrivals.filter((a) => a.kind === 'blob-get' && a.path.endsWith(img.layers[0]!.digest)).length, 2, 'the layer was read again');
  });

  it('a corrupt source blob is refused before commit by a destination that does not check digests', async () => {
    const dst = await startRegistryServer({ trustClientDigests: true, referrers: false });
    faults.defer(() => dst.stop());
    const layer = img.layers[0]!;
    const src = await fronted(staging.url, { paths: [{ path: layer.digest, fault: 'flip' }] });
    const run = await promote(src.host, [dst.host], ['--registry-retries', '1']);
    assert.equal(run.code, 1);
    assert.match(run.report.outcomes[0]!.error ?? '', /does not match digest/);
    assert.equal(await dst.store.statBlob('prod/app', layer.digest), undefined, 'the corrupt layer was not committed');
    assert.equal((await fetchManifest(dst, 'prod/app', 'v1')).status, 404);
    assert.ok((src.counters().faults.flip ?? 0) >= 1);
    assert.ok((dst.stats.byKind['DELETE upload'] ?? 0) >= 1, `the upload session was cancelled: ${JSON.stringify(dst.stats.byKind)}`);
  });
});
