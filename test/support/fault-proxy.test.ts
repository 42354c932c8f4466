/**
 * The fault proxy itself, in front of a real Distribution registry: classification and
 * counting, Location rewriting, each fault kind, the quota, down mode, determinism and bounds.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startDistribution, type Distribution } from './distribution.js';
import { classify, startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy.js';
import { seedImage, type ImageData } from './seed.js';
import { startStub } from './stub-http.js';

let reg: Distribution;
let img: ImageData;
const proxies: FaultProxy[] = [];

async function proxy(opts: Partial<FaultProxyOptions> = {}): Promise<FaultProxy> {
  const p = await startFaultProxy({ target: reg.url, lifetimeMs: 60_000, ...opts });
  proxies.push(p);
  return p;
}

/** GET through fetch; network failures come back as 'error'. */
async function get(url: string, method = 'GET'): Promise<{ status: number | 'error'; body: Buffer; headers: Headers | undefined }> {
  try {
    // Distribution 2.8 answers 404 for an OCI manifest unless the client accepts it.
    const res = await fetch(url, { method, headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
  } catch {
    return { status: 'error', body: Buffer.alloc(0), headers: undefined };
  }
}

describe('fault proxy', () => {
  before(async () => {
    reg = await startDistribution();
    img = await seedImage(reg, 'p/app', 'v1', { seed: 'proxy', layerSize: 4096 });
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await reg?.stop();
  });

  it('with latency, a request body still reaches the registry whole (a monolithic blob upload)', async () => {
    const p = await proxy({ latency: { ms: 20 } });
    const body = Buffer.from('a blob pushed through a slow proxy');
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const start = await fetch(`${p.url}/v2/p/slow/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202);
    const loc = new URL(start.headers.get('location')!, p.url);
    loc.searchParams.set('digest', digest);
    const put = await fetch(loc, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.status, 201);
    assert.deepEqual((await get(`${reg.url}/v2/p/slow/blobs/${digest}`)).body, body);
  });

  it('latency is a round trip: half before the request reaches the registry, half before the response starts', async () => {
    const log: string[] = [];
    const stub = await startStub(() => {
      log.push('registry');
      return { status: 200, body: 'ok' };
    });
    try {
      const p = await proxy({ target: `http://${stub.host}`, latency: { ms: 30 }, sleep: async (ms) => void log.push(`wait ${ms}`) });
      const res = await fetch(`${p.url}/v2/a/manifests/v1`);
      assert.equal(await res.text(), 'ok');
      assert.deepEqual(log, ['wait 15', 'registry', 'wait 15']);
    } finally {
      await stub.stop();
    }
  });

  it('a bandwidth cap paces bodies both ways on the proxy clock; bodies arrive whole', async () => {
    const big = Buffer.alloc(200_000, 7);
    const stub = await startStub((r) => (r.method === 'GET' ? { status: 200, body: big } : { status: 201 }));
    let clock = 0;
    const waits: number[] = [];
    try {
      const p = await proxy({
        target: `http://${stub.host}`,
        bandwidth: { bytesPerSecond: 100_000 },
        now: () => clock,
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms; // the fake clock moves by each wait: pacing alone decides the time
        },
      });
      const got = Buffer.from(await (await fetch(`${p.url}/v2/a/blobs/sha256:00`)).arrayBuffer());
      assert.ok(got.equals(big), 'response body whole');
      assert.equal(Math.round(waits.reduce((a, b) => a + b, 0)), 2_000, '200 kB at 100 kB/s: 2 s out');
      waits.length = 0;
      const sent = Buffer.alloc(50_000, 3);
      const put = await fetch(`${p.url}/v2/a/blobs/uploads/u?digest=sha256:00`, { method: 'PUT', body: sent });
      assert.equal(put.status, 201);
      assert.ok(stub.requests.at(-1)!.body.equals(sent), 'request body whole');
      assert.equal(Math.round(waits.reduce((a, b) => a + b, 0)), 500, '50 kB at 100 kB/s: 0.5 s in');
    } finally {
      await stub.stop();
    }
  });

  it('classifies requests like RequestKind', () => {
    const q = (s: string) => new URLSearchParams(s);
    const table: Array<[string, string, string, string]> = [
      ['GET', '/v2/', '', 'ping'],
      ['GET', '/v2/a/b/tags/list', '', 'tags'],
      ['HEAD', '/v2/a/manifests/v1', '', 'manifest-head'],
      ['GET', '/v2/a/manifests/sha256:00', '', 'manifest-get'],
      ['PUT', '/v2/a/manifests/v1', '', 'manifest-put'],
      ['HEAD', '/v2/a/blobs/sha256:00', '', 'blob-head'],
      ['GET', '/v2/a/blobs/sha256:00', '', 'blob-get'],
      ['POST', '/v2/a/blobs/uploads/', 'mount=sha256:00&from=b', 'blob-mount'],
      ['POST', '/v2/a/blobs/uploads/', '', 'upload-start'],
      ['PATCH', '/v2/a/blobs/uploads/uuid', '', 'upload-patch'],
      ['PUT', '/v2/a/blobs/uploads/uuid', 'digest=sha256:00', 'upload-put'],
      ['GET', '/v2/a/referrers/sha256:00', '', 'referrers'],
      ['GET', '/token', 'scope=x', 'token'],
    ];
    for (const [m, p, s, want] of table) assert.equal(classify(m, p, q(s)), want, `${m} ${p}`);
  });

  it('forwards, counts kinds and bytes, and rewrites absolute Locations to itself', async () => {
    const p = await proxy();
    assert.equal((await get(`${p.url}/v2/`)).status, 200);
    const m = await get(`${p.url}/v2/p/app/manifests/${img.digest}`);
    assert.equal(m.status, 200);
    const layer = img.layers[0]!;
    const b = await get(`${p.url}/v2/p/app/blobs/${layer.digest}`);
    assert.deepEqual(new Uint8Array(b.body), layer.bytes);
    const up = await fetch(`${p.url}/v2/p/other/blobs/uploads/`, { method: 'POST' });
    await up.arrayBuffer();
    assert.equal(up.status, 202);
    const loc = up.headers.get('location') ?? '';
    assert.ok(!loc.includes(reg.host), `Location ${loc} must not name the registry behind the proxy`);
    const c = p.counters();
    assert.deepEqual(c.byKind, { ping: 1, 'manifest-get': 1, 'blob-get': 1, 'upload-start': 1 });
    assert.equal(c.blobBytesToClient, layer.size);
    assert.ok(c.bytesToClient >= layer.size + img.bytes.length);
  });

  it('injects each fault on the n-th request of a kind', async () => {
    const layer = img.layers[0]!;
    const blobUrl = (p: FaultProxy) => `${p.url}/v2/p/app/blobs/${layer.digest}`;
    const p = await proxy({
      retryAfterSeconds: 3,
      nth: [
        { kind: 'blob-get', n: 1, fault: 'throttle' },
        { kind: 'blob-get', n: 2, fault: 'throttle-no-retry-after' },
        { kind: 'blob-get', n: 3, fault: 'unavailable' },
        { kind: 'blob-get', n: 4, fault: 'reset' },
        { kind: 'blob-get', n: 5, fault: 'truncate' },
        { kind: 'blob-get', n: 6, fault: 'flip' },
      ],
    });
    const r1 = await get(blobUrl(p));
    assert.equal(r1.status, 429);
    assert.equal(r1.headers?.get('retry-after'), '3');
    assert.equal(p.announcements.length, 1);
    assert.equal(p.announcements[0]!.notBefore - p.announcements[0]!.at, 3000);
    const r2 = await get(blobUrl(p));
    assert.equal(r2.status, 429);
    assert.equal(r2.headers?.get('retry-after'), null);
    assert.equal((await get(blobUrl(p))).status, 503);
    assert.equal((await get(blobUrl(p))).status, 'error', 'reset before the response');
    const trunc = await get(blobUrl(p));
    assert.ok(trunc.status === 'error' || trunc.body.length < layer.size, 'truncated body');
    const flip = await get(blobUrl(p));
    assert.equal(flip.status, 200);
    assert.equal(flip.body.length, layer.size);
    const sha = 'sha256:' + createHash('sha256').update(flip.body).digest('hex');
    assert.notEqual(sha, layer.digest, 'one byte flipped');
    const ok = await get(blobUrl(p));
    assert.deepEqual(new Uint8Array(ok.body), layer.bytes, 'the 7th is clean');
    assert.deepEqual(p.counters().faults, { throttle: 1, 'throttle-no-retry-after': 1, unavailable: 1, reset: 1, truncate: 1, flip: 1 });
  });

  it('answers 429 with Retry-After and the policy past the quota, until the window ends', async () => {
    const p = await proxy({ quota: { limit: 3, windowMs: 60_000 } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(`${p.url}/v2/`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const last = await get(`${p.url}/v2/`);
    assert.equal(last.headers?.get('ratelimit-policy'), '3;w=60');
    assert.ok(Number(last.headers?.get('retry-after')) >= 1);
  });

  it('rate faults are seeded: the same seed gives the same outcomes', async () => {
    const outcomes = async (seed: number) => {
      const p = await proxy({ seed, rates: { unavailable: 0.3, 'throttle-no-retry-after': 0.2 } });
      for (let i = 0; i < 30; i++) await get(`${p.url}/v2/`);
      return p.arrivals.map((a) => a.outcome).join(',');
    };
    const a = await outcomes(42);
    assert.equal(await outcomes(42), a);
    assert.notEqual(await outcomes(7), a);
    assert.match(a, /503/);
    assert.match(a, /200/);
  });

  it('down mode resets every connection; the request cap answers 503; stop() is idempotent', async () => {
    const p = await proxy({ down: true });
    assert.equal((await get(`${p.url}/v2/`)).status, 'error');
    p.configure({ down: false });
    assert.equal((await get(`${p.url}/v2/`)).status, 200);
    const capped = await proxy({ maxRequests: 2 });
    const s = [];
    for (let i = 0; i < 3; i++) s.push((await get(`${capped.url}/v2/`)).status);
    assert.deepEqual(s, [200, 200, 503]);
    await capped.stop();
    await capped.stop();
    assert.equal((await get(`${capped.url}/v2/`)).status, 'error');
  });

  it('lose: a manifest PUT is answered 201 (with its Location, no digest header) and never reaches the registry', async () => {
    const p = await proxy({ paths: [{ path: '/manifests/dropped', fault: 'lose' }], now: () => 42 });
    const res = await fetch(`${p.url}/v2/p/app/manifests/dropped`, { method: 'PUT', headers: { 'content-type': img.mediaType }, body: Buffer.from(img.bytes) });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('docker-content-digest'), null, 'nothing proves the write');
    assert.equal(res.headers.get('location'), `/v2/p/app/manifests/${img.digest}`);
    assert.equal((await get(`${p.url}/v2/p/app/manifests/dropped`, 'HEAD')).status, 404, 'a HEAD is not lost: it finds nothing');
    await p.until(() => p.arrivals.length === 2 && p.arrivals.every((a) => a.outcome !== 0), 'both responses');
    assert.deepEqual(p.arrivals.map((a) => [a.kind, a.outcome, a.fault, a.at]), [['manifest-put', 201, 'lose', 42], ['manifest-head', 404, undefined, 42]]);
    await assert.rejects(p.until(() => false, 'nothing', 10), /timed out after 10 ms waiting for nothing/);
  });

  it('stops by itself after its lifetime', async () => {
    const p = await proxy({ lifetimeMs: 50 });
    await p.closed;
    assert.equal((await get(`${p.url}/v2/`)).status, 'error');
  });
});
