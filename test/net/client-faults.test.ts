/**
 * The network policy under faults, at the client level: the HTTP registry client + the
 * network policy (createNetwork) + the fault proxy + real Distribution registries.
 */
import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import type { Digest, RegistryName } from '../../src/image/ref.js';
import { createHttpTransport } from '../../src/net/http-transport.js';
import { createNetwork, type Network } from '../../src/net/policy.js';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import { startRegistryServer } from '../../src/registry/server/server.js';
import type { RegistryClient } from '../../src/registry/types.js';
import { startDistributions, type Distribution } from '../support/distribution.js';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../support/fault-proxy.js';
import { fetchBlob, fetchManifest, seedImage, sha256, type ImageData } from '../support/seed.js';

let regs: Distribution[] = [];
const cleanups: Array<() => Promise<void>> = [];
const images: ImageData[] = [];

/** A client over a fresh network policy; fast retries so tests stay quick. */
function clientWith(opts: Parameters<typeof createNetwork>[0] extends infer O ? Partial<O> : never = {}): { client: RegistryClient; net: Network } {
  const net = createNetwork({
    base: createHttpTransport({ headersTimeoutMs: 10_000, bodyIdleTimeoutMs: 10_000 }),
    retry: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 8 },
    ...opts,
  });
  const client = createHttpRegistryClient({ transport: net.transport, retry: net.retry });
  cleanups.push(() => client.close());
  return { client, net };
}

async function proxy(target: Distribution, opts: Omit<FaultProxyOptions, 'target'>): Promise<FaultProxy> {
  const p = await startFaultProxy({ target: target.url, lifetimeMs: 120_000, maxRequests: 5_000, ...opts });
  cleanups.push(() => p.stop());
  return p;
}

const repo = (host: string, repository: string) => ({ host: host as RegistryName, repository });

/** Copies one image: blobs (each a whole retried operation), then the manifest last. */
async function copyImage(c: RegistryClient, net: Network, src: string, dst: string, img: ImageData, tag: string): Promise<void> {
  const from = repo(src, 'faults/app');
  const to = repo(dst, 'prod/app');
  const fetched = await c.getManifest(from, img.digest);
  for (const b of [img.config, ...img.layers]) {
    const d = b.digest as Digest;
    await net.retry('copy blob', dst, async () => {
      if (await c.headBlob(to, d)) return;
      const body = await c.getBlob(from, d, { size: b.size });
      const bytes = new Uint8Array(Buffer.concat(await body.toArray()));
      await c.uploadBlob(to, { digest: d, size: b.size }, bytes);
    });
  }
  await c.putManifest(to, tag, { bytes: fetched.bytes, mediaType: fetched.mediaType });
}

/** Every manifest and blob of `img` in `dst`, read directly and hashed. */
async function assertCopied(dst: Distribution, img: ImageData, tag: string): Promise<void> {
  const m = await fetchManifest(dst, 'prod/app', tag);
  assert.equal(m.status, 200, `manifest ${tag}`);
  assert.equal(sha256(m.body), img.digest);
  for (const b of [img.config, ...img.layers]) {
    const got = await fetchBlob(dst, 'prod/app', b.digest);
    assert.equal(sha256(got.body), b.digest);
  }
}

describe('network policy under faults (client level)', () => {
  before(async () => {
    regs = await startDistributions(3);
    for (let i = 0; i < 4; i++) images.push(await seedImage(regs[0]!, 'faults/app', `v${i}`, { seed: `faults-${i}`, layers: 3, layerSize: 8192 }));
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await Promise.all(regs.map((r) => r.stop()));
  });

  it('a copy converges with every digest correct under 429/503/resets/truncations/flips', async () => {
    const rates = { throttle: 0.05, 'throttle-no-retry-after': 0.03, unavailable: 0.05, reset: 0.04, truncate: 0.1, flip: 0.1 };
    const src = await proxy(regs[0]!, { seed: 11, rates, retryAfterSeconds: 1 });
    const dst = await proxy(regs[1]!, { seed: 12, rates, retryAfterSeconds: 1 });
    const { client, net } = clientWith();
    for (const [i, img] of images.entries()) await copyImage(client, net, src.host, dst.host, img, `v${i}`);
    for (const [i, img] of images.entries()) await assertCopied(regs[1]!, img, `v${i}`);
    const faults = { ...src.counters().faults, ...dst.counters().faults };
    assert.ok(Object.keys(faults).length >= 3, `faults were injected: ${JSON.stringify(faults)}`);
    const stats = net.stats();
    assert.ok(stats.some((h) => h.retries > 0), 'retries are counted');
  });

  it('nothing reaches a host before its Retry-After, from any concurrent caller; other hosts keep going', async () => {
    const a = await proxy(regs[0]!, { retryAfterSeconds: 2, nth: [{ kind: 'manifest-head', n: 2, fault: 'throttle' }] });
    const b = await proxy(regs[1]!, {});
    // One request in flight per host: every request after the 429 was sent after the client read
    // it, so each must arrive at or after the announced floor, with no allowance. The other
    // callers queue on the host meanwhile; only the host-wide pause holds them back (the
    // throttled request's own retry waits anyway).
    const { client } = clientWith({ concurrency: { initial: 1, min: 1, max: 1 } });
    const callers = 8;
    const heads = Promise.all(
      Array.from({ length: callers }, async (_, i) => {
        const img = images[i % images.length]!;
        const info = await client.headManifest(repo(a.host, 'faults/app'), `v${i % images.length}`);
        assert.equal(info?.digest, img.digest);
      }),
    );
    await a.until(() => a.announcements.length > 0, 'the 429');
    const ann = a.announcements[0]!;
    const before = a.arrivals.length;
    await client.ping(b.host);
    await client.listTags(repo(b.host, 'none/here'));
    assert.equal(a.arrivals.length, before, 'the other host was served while the throttled one was paused');
    await heads;
    assert.equal(a.arrivals.filter((x) => x.kind === 'manifest-head').length, callers + 1, 'each caller once, plus the retry of the throttled one');
    const early = a.arrivals.slice(ann.index + 1).filter((x) => x.at < ann.notBefore);
    assert.deepEqual(early, [], 'no request to the throttled host before Retry-After elapsed');
  });

  it('under a quota, no 429 comes after the first throttled window', async () => {
    const q = await proxy(regs[0]!, { quota: { limit: 20, windowMs: 2000 } });
    const { client, net } = clientWith({ concurrency: { initial: 8 } });
    const from = repo(q.host, 'faults/app');
    const blobs = images.flatMap((img) => [img.config, ...img.layers]);
    // 60 requests in all, 4 at a time: far over 20 per 2 s at full speed.
    const work = Array.from({ length: 60 }, (_, i) => blobs[i % blobs.length]!);
    for (let i = 0; i < work.length; i += 4) {
      await Promise.all(work.slice(i, i + 4).map((b) => client.headBlob(from, b.digest as Digest)));
    }
    assert.ok(q.announcements.length >= 1, 'the quota was hit at least once');
    const firstEnd = q.announcements[0]!.notBefore;
    const late = q.arrivals.filter((x) => x.fault === 'quota' && x.at >= firstEnd);
    assert.deepEqual(late, [], 'no 429 after the first throttled window');
    assert.ok(q.arrivals.filter((x) => x.at >= firstEnd).length > 0, 'work continued after the window');
    const s = net.stats().find((h) => h.host === q.host)!;
    assert.ok(s.throttled >= 1 && s.waitedMs > 0);
  });

  it('a corrupted blob is detected on read, and a retried read gets the right bytes', async () => {
    const img = images[0]!;
    const layer = img.layers[0]!;
    const p = await proxy(regs[0]!, { nth: [{ kind: 'blob-get', n: 1, fault: 'flip' }] });
    const { net } = clientWith();
    // Without a RetryRunner the client reads once: the flipped byte must surface as a retryable error.
    const once = createHttpRegistryClient({ transport: net.transport });
    cleanups.push(() => once.close());
    const from = repo(p.host, 'faults/app');
    await assert.rejects(
      (async () => text(await once.getBlob(from, layer.digest as Digest, { size: layer.size })))(),
      (err: Error & { retryable?: boolean }) => err.retryable === true,
    );
    let attempts = 0;
    const bytes = await net.retry('read blob', p.host, async () => {
      attempts++;
      const body = await once.getBlob(from, layer.digest as Digest, { size: layer.size });
      return Buffer.concat(await body.toArray());
    });
    assert.equal(sha256(bytes), layer.digest);
    assert.equal(attempts, 1, 'the second request is clean');
  });

  it('a copy whose source blob is always corrupt fails and writes no manifest, even where the registry checks nothing', async () => {
    const img = images[3]!;
    const src = await proxy(regs[0]!, { rates: { flip: 1 } });
    // Distribution would refuse the corrupt upload itself; this registry stores any bytes under
    // the digest it is given, so only the client's check on what it read keeps the image out.
    const lax = await startRegistryServer({ trustClientDigests: true });
    cleanups.push(() => lax.stop());
    const { client, net } = clientWith({ retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 } });
    await assert.rejects(copyImage(client, net, src.host, lax.host, img, 'corrupt'), /does not match digest/);
    assert.equal((await fetchManifest(lax, 'prod/app', 'corrupt')).status, 404);
    assert.equal((await fetchManifest(lax, 'prod/app', img.digest)).status, 404);
    const stored = await Promise.all([img.config, ...img.layers].map((b) => lax.store.statBlob('prod/app', b.digest)));
    assert.ok(stored.some((s) => s === undefined), 'a corrupt blob was never stored');
  });

  it('a down host fails fast within the retry budget; another host completes', async () => {
    const down = await proxy(regs[1]!, { down: true });
    const up = await proxy(regs[2]!, {});
    const { client, net } = clientWith({ retry: { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 3 } });
    const results = await Promise.allSettled([
      client.ping(down.host),
      copyImage(client, net, regs[0]!.host, up.host, images[1]!, 'v1'),
    ]);
    assert.equal(results[0].status, 'rejected');
    assert.equal(results[1].status, 'fulfilled');
    await assertCopied(regs[2]!, images[1]!, 'v1');
    const s = net.stats().find((h) => h.host === down.host)!;
    assert.equal(s.requests, 3, 'bounded attempts against the down host');
  });
});
