/**
 * A run split into 3 shards (`--shard I/3`), each a real `kpromo cip` process, against real
 * Distribution registries behind fault proxies: together they promote exactly the union of the
 * edges, no manifest is written twice, every source blob is read once across all shards, the
 * merged report (`kpromo report merge`) is the union with the run's exit status, and a shard that
 * failed converges when it is run again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main, type CliIO } from '../../src/cli/main.js';
import { shardOf } from '../../src/plan/shard.js';
import { startCli } from '../presubmit/child.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { buildImage, buildMultiPlatform, pushImage, pushIndex, type ImageData, type IndexData } from '../support/seed.js';
import { assertHasImage, startEnv, writeManifest, type E2eEnv } from './harness.js';

const COUNT = 3;
let env: E2eEnv;
let staging: FaultProxy;
let mirrors: FaultProxy[];
const images: { name: string; img: ImageData | IndexData; tag: string }[] = [];

before(async () => {
  env = await startEnv(2);
  staging = await startFaultProxy({ target: env.staging.url });
  mirrors = await Promise.all(env.mirrors.map((m) => startFaultProxy({ target: m.url })));
  for (let i = 0; i < 7; i++) {
    const name = `app${i}`;
    const img = i === 0 ? buildMultiPlatform({ seed: `shard-index-${i}` }) : buildImage({ seed: `shard-${i}`, layers: 2 });
    if ('manifests' in img) await pushIndex(env.staging, `staging/${name}`, img, 'v1');
    else await pushImage(env.staging, `staging/${name}`, img, 'v1');
    images.push({ name, img, tag: 'v1' });
  }
});
after(async () => {
  await Promise.all([staging, ...mirrors].map((p) => p?.stop()));
  await env.stop();
});

/** Every blob of an image (children's too), for the count of unique source blobs. */
function blobsOf(img: ImageData | IndexData): string[] {
  const parts = 'manifests' in img ? img.manifests : [img];
  return parts.flatMap((p) => [p.config.digest, ...p.layers.map((l) => l.digest)]);
}

async function runShard(manifest: string, index: number, report: string): Promise<number> {
  const child = startCli(
    ['cip', '--manifest', manifest, '--confirm', '--sign=false', '--registry-retries', '0', '--report-detail', 'all', '--report-file', report, '--shard-count', String(COUNT)],
    { HOME: env.dir, DOCKER_CONFIG: env.dir, JOB_COMPLETION_INDEX: String(index) },
  );
  try {
    const { code } = await child.exited;
    return code ?? -1;
  } finally {
    child.kill();
  }
}

async function merge(files: string[], output: string): Promise<{ code: number; doc: Record<string, unknown> }> {
  const io: CliIO = { stdout: () => {}, stderr: () => {}, isTTY: false, env: {} };
  const code = await main(['report', 'merge', ...files, '--output', output], io);
  return { code, doc: JSON.parse(await readFile(output, 'utf8')) as Record<string, unknown> };
}

/** Successful manifest PUTs a mirror proxy saw, as `path` (repository and reference). */
function manifestPuts(p: FaultProxy): string[] {
  return p.arrivals.filter((a) => a.kind === 'manifest-put' && a.outcome === 201).map((a) => a.path);
}

test('3 shard processes promote the union of the edges once, read each source blob once, and a failed shard converges on rerun', async () => {
  const manifest = await writeManifest(env.dir, `${staging.host}/staging`, mirrors.map((m) => `${m.host}/prod`), images.map(({ name, img, tag }) => ({ name, dmap: { [img.digest]: [tag] } })));
  const shardOfImage = images.map(({ img }) => shardOf(img.digest, COUNT));
  assert.deepEqual(new Set(shardOfImage).size, COUNT, 'the fixture puts images in every shard');
  // one image of shard F fails at the second mirror on the first run (its manifest writes answered 503)
  const victim = images[shardOfImage.indexOf(shardOfImage[1]!, 1)]!;
  const failing = shardOf(victim.img.digest, COUNT);
  mirrors[1]!.configure({ paths: [{ path: `/prod/${victim.name}/manifests/`, fault: 'unavailable' }] });

  const reports = [0, 1, 2].map((i) => join(env.dir, `shard-${i}.json`));
  const codes = await Promise.all([0, 1, 2].map((i) => runShard(manifest, i, reports[i]!)));
  assert.deepEqual(codes, [0, 1, 2].map((i) => (i === failing ? 1 : 0)), 'only the shard with the faulty mirror fails');

  // each shard planned and wrote only its own images
  for (let i = 0; i < COUNT; i++) {
    const doc = JSON.parse(await readFile(reports[i]!, 'utf8')) as { shard: { index: number; count: number }; outcomes: { dstImage: string }[] };
    assert.deepEqual({ index: doc.shard.index, count: doc.shard.count }, { index: i, count: COUNT });
    const mine = images.filter((_, k) => shardOfImage[k] === i).map((x) => x.name).sort();
    assert.deepEqual([...new Set(doc.outcomes.map((o) => o.dstImage))].sort(), mine);
  }
  // source blobs read once in total across the shards (the images share no blobs across shards)
  const unique = new Set(images.flatMap(({ img }) => blobsOf(img)));
  assert.equal(staging.counters().byKind['blob-get'], unique.size, 'source blob GETs = unique blobs');

  const merged = await merge(reports, join(env.dir, 'merged-1.json'));
  assert.equal(merged.code, 1, 'a failed shard fails the merged run');
  const edgeCount = images.length * mirrors.length;
  const counts1 = merged.doc.counts as Record<string, number>;
  assert.equal(counts1.promoted! + counts1.failed!, edgeCount);
  assert.ok(counts1.failed! >= 1);
  assert.match(String(merged.doc.failure), new RegExp(`shard ${failing}/3: `));

  // the rerun of the failed shard alone converges; the merged report of the final reports succeeds
  mirrors[1]!.configure({ paths: [] });
  assert.equal(await runShard(manifest, failing, reports[failing]!), 0);
  for (const m of env.mirrors) for (const { name, img, tag } of images) await assertHasImage(m, `prod/${name}`, img, tag);

  const final = await merge(reports, join(env.dir, 'merged-2.json'));
  assert.equal(final.code, 0);
  const outcomes = final.doc.outcomes as { dstRegistry: string; dstImage: string; tag: string; outcome: string }[];
  const want = images.flatMap(({ name, tag }) => mirrors.map((m) => `${m.host}/prod ${name}:${tag}`)).sort();
  assert.deepEqual(outcomes.map((o) => `${o.dstRegistry} ${o.dstImage}:${o.tag}`).sort(), want, 'merged outcomes are the union of the edges');
  assert.ok(outcomes.every((o) => o.outcome === 'promoted' || o.outcome === 'already-present'));
  assert.deepEqual(final.doc.summary, { manifests: 1, images: images.length, digests: images.length, tags: images.length, edges: edgeCount });
  const hosts = (final.doc.requests as { host: string; requests: number }[]).map((h) => h.host);
  assert.ok(hosts.includes(staging.host));

  // nothing written twice: every successful manifest PUT path (tag or digest) appears once per mirror,
  // and the tags written are exactly the edges'
  for (const m of mirrors) {
    const puts = manifestPuts(m);
    assert.equal(new Set(puts).size, puts.length, `${m.host}: a manifest written twice: ${puts.join(' ')}`);
    const tagPuts = puts.filter((p) => !/\/manifests\/sha256(:|%3A)/i.test(p)).sort();
    assert.deepEqual(tagPuts, images.map(({ name, tag }) => `/v2/prod/${name}/manifests/${tag}`).sort());
  }
});
