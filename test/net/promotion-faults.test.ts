/**
 * Promotions under faults, end to end through `kpromo cip` (main): real Distribution registries
 * behind fault proxies. The run converges with every digest correct; a corrupt source blob keeps
 * its image from being written while the others are promoted; a down mirror is reported while
 * the others complete.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRegistryServer, type RegistryServer } from '../../src/registry/server/server.js';
import { startDistributions, type Distribution } from '../support/distribution.js';
import { type FaultProxy } from '../support/fault-proxy.js';
import { assertPromoted, FaultRun, type NamedImage, type ProxyOptions } from '../support/fault-run.js';
import { fetchManifest, seedImage, seedIndex, type ImageData } from '../support/seed.js';

let faults: FaultRun;
let staging: Distribution;
const images: NamedImage[] = [];

const fronted = (reg: Distribution, opts: ProxyOptions = {}): Promise<FaultProxy> => faults.fronted(reg.url, opts);
const mirrors = (n: number): Promise<Distribution[]> => faults.mirrors(n);

type Report = { outcomes: Array<{ dstRegistry: string; srcImage: string; outcome: string }> };

/** Runs `kpromo cip --confirm` on a manifest of `images` from `src` to `dsts`; returns exit code and report. */
const promote = (src: string, dsts: string[], retries = 8, extra: string[] = []): Promise<{ code: number; err: string; report: Report }> =>
  faults.promote<Report>(src, dsts, images, ['--registry-retries', String(retries), ...extra]);

describe('promotion under faults', () => {
  before(async () => {
    faults = await FaultRun.start('kpromo-faults-', { maxRequests: 20_000 });
    [staging] = (await startDistributions(1)) as [Distribution];
    faults.defer(() => staging.stop());
    for (let i = 0; i < 3; i++) images.push({ name: `app${i}`, data: await seedImage(staging, `staging/app${i}`, 'v1', { seed: `pf-${i}`, layers: 2, layerSize: 16_384 }) });
    images.push({ name: 'multi', data: await seedIndex(staging, 'staging/multi', 'v1', { seed: 'pf-multi' }) });
  });
  after(() => faults.stop());

  it('converges with every digest correct under 429/503/resets/truncations', async () => {
    const regs = await mirrors(3);
    const rates = { throttle: 0.04, unavailable: 0.04, reset: 0.03, truncate: 0.05 };
    const src = await fronted(staging, { seed: 5, rates });
    const dsts = await Promise.all(regs.map((r, i) => fronted(r, { seed: 50 + i, rates })));
    const run = await promote(src.host, dsts.map((d) => d.host));
    assert.equal(run.code, 0, run.err);
    for (const r of regs) for (const img of images) await assertPromoted(r, img);
    const injected = [src, ...dsts].reduce((n, p) => n + Object.values(p.counters().faults).reduce((a, b) => a + (b ?? 0), 0), 0);
    assert.ok(injected > 0, 'faults were injected');
  });

  it('nothing reaches a throttled host before its Retry-After, whichever caller sends it', async () => {
    const regs = await mirrors(2);
    // One request in flight per host, so every request after a 429 was sent after the client
    // read it: each one must arrive at or after the announced floor, with no allowance. The
    // 429s hit requests in the middle of the work, when other callers (blobs, images, mirrors)
    // are queued on the same host.
    const nth = [3, 9, 20].map((n) => ({ kind: '*' as const, n, fault: 'throttle' as const }));
    const src = await fronted(staging, { nth, retryAfterSeconds: 1 });
    const dsts = await Promise.all(regs.map((r) => fronted(r, { nth, retryAfterSeconds: 1 })));
    const run = await promote(src.host, dsts.map((d) => d.host), 8, ['--registry-max-in-flight', '1']);
    assert.equal(run.code, 0, run.err);
    for (const r of regs) for (const img of images) await assertPromoted(r, img);
    for (const p of [src, ...dsts]) {
      assert.equal(p.announcements.length, 3, `${p.host}: three 429s with Retry-After`);
      for (const ann of p.announcements) {
        const early = p.arrivals.slice(ann.index + 1).filter((a) => a.at < ann.notBefore);
        assert.deepEqual(early, [], `${p.host}: requests before the Retry-After of the 429 at ${ann.at} ended at ${ann.notBefore}`);
      }
    }
  });

  it('a manifest the mirror acknowledged but lost fails verification; the run fails', async () => {
    const regs = await mirrors(2);
    const lost = images[0]!;
    const dsts = [await fronted(regs[0]!, { paths: [{ path: `/prod/${lost.name}/manifests/v1`, fault: 'lose' }] }), await fronted(regs[1]!)];
    const run = await promote(staging.host, dsts.map((d) => d.host));
    assert.equal(run.code, 1, 'the run fails');
    assert.ok(dsts[0]!.arrivals.some((a) => a.fault === 'lose'), 'the tag PUT was answered 201 and dropped');
    assert.equal((await fetchManifest(regs[0]!, `prod/${lost.name}`, 'v1')).status, 404);
    const failed = run.report.outcomes.filter((o) => o.outcome === 'failed');
    assert.deepEqual(failed.map((o) => [o.dstRegistry, o.srcImage]), [[`${dsts[0]!.host}/prod`, lost.name]]);
    assert.match(JSON.stringify(failed), /verification/);
    for (const img of images) await assertPromoted(regs[1]!, img);
    for (const img of images.filter((i) => i !== lost)) await assertPromoted(regs[0]!, img);
  });

  it('a corrupt source blob: its image is not written, the others are', async () => {
    const regs = await mirrors(2);
    const bad = images[1]!;
    const badLayer = (bad.data as ImageData).layers[1]!.digest;
    const src = await fronted(staging, { paths: [{ path: badLayer, fault: 'flip' }] });
    const run = await promote(src.host, regs.map((r) => r.host));
    assert.equal(run.code, 1, 'the run fails');
    for (const r of regs) {
      assert.equal((await fetchManifest(r, `prod/${bad.name}`, 'v1')).status, 404, 'no tag for the corrupt image');
      assert.equal((await fetchManifest(r, `prod/${bad.name}`, bad.data.digest)).status, 404, 'no manifest either');
      for (const img of images.filter((i) => i !== bad)) await assertPromoted(r, img);
    }
    const failed = run.report.outcomes.filter((o) => o.outcome === 'failed');
    assert.ok(failed.length === 2 && failed.every((o) => o.srcImage === bad.name), JSON.stringify(failed));
  });

  // Without the cap these runs wait out 11.5 days: the guard timeout turns such a hang into a failure.
  it('a mirror answering Retry-After: 999999 fails alone with that reason; the others promote; the report is written', { timeout: 120_000 }, async () => {
    const regs = await mirrors(3);
    const proxies = await Promise.all(regs.map((r, i) => fronted(r, i === 1 ? { retryAfterSeconds: 999_999, nth: [{ kind: 'blob-mount', n: 1, fault: 'throttle' }, { kind: 'upload-start', n: 1, fault: 'throttle' }] } : {})));
    const run = await promote(staging.host, proxies.map((p) => p.host));
    assert.equal(run.code, 1);
    for (const i of [0, 2]) for (const img of images) await assertPromoted(regs[i]!, img);
    const failed = run.report.outcomes.filter((o) => o.outcome === 'failed') as Array<{ dstRegistry: string; error?: string }>;
    assert.equal(failed.length, images.length);
    for (const o of failed) {
      assert.ok(o.dstRegistry.startsWith(proxies[1]!.host), o.dstRegistry);
      assert.match(o.error ?? '', new RegExp(`${proxies[1]!.host.replace(/\./g, '\\.')} paused for this run: it answered Retry-After 999999 s`));
    }
    // once paused, nothing more was sent to it
    const throttled = proxies[1]!.arrivals.findIndex((a) => a.fault === 'throttle');
    assert.ok(throttled >= 0);
    assert.ok(proxies[1]!.arrivals.length - throttled <= 8, `requests after the pause: ${proxies[1]!.arrivals.length - throttled}`);
  });

  it('a source answering Retry-After: 999999 ends the run with that reason on every edge', { timeout: 120_000 }, async () => {
    const regs = await mirrors(1);
    const src = await fronted(staging, { retryAfterSeconds: 999_999, nth: [{ kind: 'manifest-head', n: 1, fault: 'throttle' }, { kind: 'manifest-get', n: 1, fault: 'throttle' }] });
    const run = await promote(src.host, regs.map((r) => r.host));
    assert.equal(run.code, 1);
    const outcomes = run.report.outcomes as Array<{ outcome: string; error?: string }>;
    assert.equal(outcomes.length, images.length);
    for (const o of outcomes) {
      assert.equal(o.outcome, 'failed');
      assert.match(o.error ?? '', /paused for this run: it answered Retry-After 999999 s/);
    }
  });

  it('a corrupt source blob is refused by kpromo itself: mirrors that store any bytes get no manifest', async () => {
    // In-process registries with digest checks off store whatever arrives under the digest the
    // client names, so only kpromo's own check on what it read can keep the image out.
    const lax: RegistryServer[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await startRegistryServer({ trustClientDigests: true, referrers: false });
      faults.defer(() => r.stop());
      lax.push(r);
    }
    const bad = images[2]!;
    const badLayer = (bad.data as ImageData).layers[0]!.digest;
    const src = await fronted(staging, { paths: [{ path: badLayer, fault: 'flip' }] });
    const run = await promote(src.host, lax.map((r) => r.host), 2);
    assert.equal(run.code, 1, 'the run fails');
    for (const r of lax) {
      assert.equal((await fetchManifest(r, `prod/${bad.name}`, 'v1')).status, 404, 'no tag for the corrupt image');
      assert.equal((await fetchManifest(r, `prod/${bad.name}`, bad.data.digest)).status, 404, 'no manifest either');
      for (const img of images.filter((i) => i !== bad)) await assertPromoted(r, img);
    }
    const failed = run.report.outcomes.filter((o) => o.outcome === 'failed');
    assert.ok(failed.length === 2 && failed.every((o) => o.srcImage === bad.name), JSON.stringify(failed));
  });

  it('a down mirror is reported while the others complete', async () => {
    const regs = await mirrors(3);
    const proxies = await Promise.all(regs.map((r, i) => fronted(r, { down: i === 1 })));
    const run = await promote(staging.host, proxies.map((p) => p.host), 2);
    assert.equal(run.code, 1);
    for (const i of [0, 2]) for (const img of images) await assertPromoted(regs[i]!, img);
    const failed = run.report.outcomes.filter((o) => o.outcome === 'failed');
    assert.equal(failed.length, images.length);
    assert.ok(failed.every((o) => o.dstRegistry.startsWith(proxies[1]!.host)), 'the failures name the down mirror');
    assert.match(run.err, new RegExp(proxies[1]!.host.replace(/\./g, '\\.')));
  });
});
