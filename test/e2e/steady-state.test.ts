/**
 * The steady-state plan on real Distribution, counted from the registries' side: one tag list
 * per destination repository plus only the HEADs the run must decide; `--verify-existing` HEADs
 * every tag; HEADs keep their connection (a plan of hundreds of requests opens at most the
 * per-host budget of TCP connections).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { buildImage, pushImage, pushManifestWith, withSession, type ImageData } from '../support/seed.js';
import { promote, startEnv, writeManifest, type E2eEnv } from './harness.js';

let env: E2eEnv;
let proxies: FaultProxy[];
const repos = ['a', 'b', 'c', 'd'];
const images = new Map<string, ImageData>();
let tagless: ImageData;
let fresh: ImageData;

before(async () => {
  env = await startEnv(3);
  proxies = await Promise.all(env.mirrors.slice(0, 2).map((m) => startFaultProxy({ target: m.url })));
  for (const r of repos) {
    const img = buildImage({ seed: `steady-${r}` });
    images.set(r, img);
    await pushImage(env.staging, `staging/${r}`, img, 'v1');
  }
  tagless = buildImage({ seed: 'steady-tagless' });
  fresh = buildImage({ seed: 'steady-fresh' });
  await pushImage(env.staging, 'staging/a', tagless);
  await pushImage(env.staging, 'staging/b', fresh, 'v2');
});
after(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await env.stop();
});

const dmaps = (extra: boolean) =>
  repos.map((r) => ({
    name: r,
    dmap: {
      [images.get(r)!.digest]: ['v1', 'v1.0', 'stable'],
      ...(r === 'a' ? { [tagless.digest]: [] } : {}),
      ...(r === 'b' && extra ? { [fresh.digest]: ['v2'] } : {}),
    },
  }));

test('steady state: one tag list per destination repository plus the HEADs the run must decide', async () => {
  const dsts = proxies.map((p) => `${p.host}/prod`);
  const cold = await promote(await writeManifest(env.dir, `${env.staging.host}/staging`, dsts, dmaps(false)));
  assert.equal(cold.failure, undefined, cold.failure?.message);

  const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, dsts, dmaps(true));
  const count = async (options: { verifyExisting?: boolean }) => {
    for (const p of proxies) p.reset();
    const r = await promote(manifest, { confirm: false, options });
    assert.equal(r.failure, undefined, r.failure?.message);
    assert.deepEqual(r.report.planCounts, { present: 26, lost: 0, 'tag-move': 0, promote: 2, unreadable: 0, refused: 0 });
    return proxies.map((p) => p.arrivals.filter((a) => a.kind !== 'ping').map((a) => `${a.method} ${decodeURIComponent(a.path)}`).sort());
  };
  // per mirror: 4 lists; the tagless digest by digest (a list without digests cannot tell); the
  // new digest by digest (its repository has tags: is it there under another tag?).
  const want = [
    ...repos.map((r) => `GET /v2/prod/${r}/tags/list`),
    `HEAD /v2/prod/a/manifests/${tagless.digest}`,
    `HEAD /v2/prod/b/manifests/${fresh.digest}`,
  ].sort();
  const tagHeads = repos.flatMap((r) => ['v1', 'v1.0', 'stable'].map((t) => `HEAD /v2/prod/${r}/manifests/${t}`));
  // Promoted without signatures, nothing vouches for the digests: each listed tag is HEADed once,
  // on the first mirror only (a manifest-side retag would show there).
  assert.deepEqual(await count({}), [[...want, ...tagHeads].sort(), want]);
  // Signed (a .sig of each digest on the first mirror, as canonical placement writes it): no tag HEAD.
  for (const r of repos) {
    const sig = buildImage({ seed: `steady-sig-${r}` });
    await pushImage(env.mirrors[0]!, `prod/${r}`, sig, `${images.get(r)!.digest.replace(':', '-')}.sig`);
  }
  assert.deepEqual(await count({}), [want, want]);

  // --verify-existing: every tag besides
  const all = [...want, ...repos.flatMap((r) => ['v1', 'v1.0', 'stable'].map((t) => `HEAD /v2/prod/${r}/manifests/${t}`))].sort();
  assert.deepEqual(await count({ verifyExisting: true }), [all, all]);

  // Promoting the new digest: Distribution answers the manifest PUT 201 with its digest, which
  // proves the write, so no HEAD follows it (one with --verify-existing).
  for (const p of proxies) p.reset();
  const run = await promote(manifest);
  assert.equal(run.failure, undefined, run.failure?.message);
  assert.equal(run.report.counts!.promoted, 2);
  for (const p of proxies) {
    const after = p.arrivals.filter((a) => a.kind === 'manifest-head' || a.kind === 'manifest-put').map((a) => `${a.method} ${decodeURIComponent(a.path)}`);
    assert.deepEqual(after.sort(), [`HEAD /v2/prod/a/manifests/${tagless.digest}`, `HEAD /v2/prod/b/manifests/${fresh.digest}`, 'PUT /v2/prod/b/manifests/v2'].sort());
  }
});

test('a tag the manifests move to a new digest is refused, though every mirror lists the tag', async () => {
  const dsts = proxies.map((p) => `${p.host}/retag`);
  const old = buildImage({ seed: 'retag-old' });
  const moved = buildImage({ seed: 'retag-new' });
  await pushImage(env.staging, 'staging/r', old, 'v1');
  await pushImage(env.staging, 'staging/r', moved, 'v1-rebuilt');
  const first = await promote(await writeManifest(env.dir, `${env.staging.host}/staging`, dsts, [{ name: 'r', dmap: { [old.digest]: ['v1', 'stable'] } }]));
  assert.equal(first.failure, undefined, first.failure?.message);
  for (const r of [env.mirrors[0]!]) {
    const sig = buildImage({ seed: 'retag-sig' });
    await pushImage(r, 'retag/r', sig, `${old.digest.replace(':', '-')}.sig`); // the old digest is signed
  }
  // The PR moves `stable` to the rebuilt digest: every mirror lists `stable`, nothing vouches for the new digest.
  const retag = await writeManifest(env.dir, `${env.staging.host}/staging`, dsts, [{ name: 'r', dmap: { [old.digest]: ['v1'], [moved.digest]: ['stable'] } }]);
  const dry = await promote(retag, { confirm: false });
  assert.equal(dry.report.planCounts!['tag-move'], 2, JSON.stringify(dry.report.planCounts));
  assert.ok(dry.failure, 'the dry run fails');
});

/** A TCP forwarder that counts the connections made to it. */
async function countingForwarder(target: string): Promise<{ host: string; connections: () => number; stop: () => Promise<void> }> {
  const [host, port] = target.split(':');
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    n++;
    const upstream = createConnection({ host, port: Number(port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => n,
    stop: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

test('HEADs keep their connection: hundreds of plan requests, at most the per-host budget of connections', async () => {
  const mirror = env.mirrors[2]!;
  const img = images.get('c')!;
  const tags = Array.from({ length: 300 }, (_, i) => `t${i}`);
  await pushImage(mirror, 'prod/c', img, 't0');
  await withSession(mirror, async (s) => {
    for (const t of tags.slice(1)) await pushManifestWith(s, 'prod/c', img, t);
  });
  const fwd = await countingForwarder(mirror.host);
  try {
    const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${fwd.host}/prod`], [{ name: 'c', dmap: { [img.digest]: tags } }]);
    const r = await promote(manifest, { confirm: false, options: { requestsPerHost: 8 } }); // an unsigned digest: each listed tag HEADed once
    assert.equal(r.failure, undefined, r.failure?.message);
    const heads = r.report.requests!.find((h) => h.host === fwd.host)!.byKind['manifest-head'];
    assert.equal(heads, 300);
    assert.ok(fwd.connections() <= 8, `${fwd.connections()} connections for ${heads} HEADs`);
  } finally {
    await fwd.stop();
  }
});
