import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag } from '../image/ref.js';
import { nullLogger } from '../log.js';
import { classify } from '../plan/classify.js';
import type { Edge } from '../plan/edge.js';
import { readInventory } from '../plan/inventory.js';
import { MemoryRegistryClient, type MemoryCall } from '../registry/memory/client.js';
import { buildImage, buildMultiPlatform, makeLayer, putImage, putIndex, type ImageData, type IndexData } from '../registry/memory/fixtures.js';
import { copyPlan } from './copy.js';

const SRC = 'staging.local';

interface Named {
  name: string;
  data: ImageData | IndexData;
}

const blobsOf = (i: ImageData | IndexData): string[] =>
  [...new Set(('manifests' in i ? i.manifests : [i]).flatMap((c) => [c.config, ...c.layers].map((b) => b.digest)))];

function edgesFor(images: Named[], dsts: string[]): Edge[] {
  return dsts.flatMap((d) =>
    images.map((img) => ({
      srcRegistry: registryName(`${SRC}/staging`),
      srcImage: imageName(img.name),
      dstRegistry: registryName(d),
      dstImage: imageName(img.name),
      digest: digest(img.data.digest),
      tag: tag('v1'),
    })),
  );
}

async function seed(client: MemoryRegistryClient, images: Named[]): Promise<void> {
  for (const img of images) {
    if ('manifests' in img.data) await putIndex(client.store(SRC), `staging/${img.name}`, img.data, 'v1');
    else await putImage(client.store(SRC), `staging/${img.name}`, img.data, 'v1');
  }
}

async function promote(client: MemoryRegistryClient, es: Edge[]) {
  const inv = await readInventory(client, es, { logger: nullLogger });
  const before = client.history.length;
  const out = await copyPlan(client, classify(es, inv), inv, { logger: nullLogger, blobConcurrency: 3 });
  return { out, calls: client.history.slice(before) };
}

/** Resolves on `release()`, or after `boundMs` at the latest (so a missing release fails an assertion instead of hanging). */
function gate(boundMs: number): { wait: Promise<void>; release: () => void } {
  let release!: () => void;
  const wait = new Promise<void>((resolve) => {
    release = resolve;
    setTimeout(resolve, boundMs).unref();
  });
  return { wait, release };
}

test('pipelined pushes keep, per image and repository, blobs before child manifests before the tag', async () => {
  const base = makeLayer('pipe-base', 512);
  const images: Named[] = [
    { name: 'idx0', data: buildMultiPlatform({ seed: 'pipe-idx0' }) },
    { name: 'idx1', data: buildMultiPlatform({ seed: 'pipe-idx1' }) },
    ...[0, 1, 2].map((i) => ({ name: `app${i}`, data: buildImage({ seed: `pipe-${i}`, layers: 2, sharedLayers: [base] }) })),
  ];
  const client = new MemoryRegistryClient({ autoCreateHosts: true });
  await seed(client, images);
  const { out, calls } = await promote(client, edgesFor(images, ['m1.local/prod', 'm1.local/prod2', 'm2.local/prod']));
  assert.equal(out.size, 15);
  assert.ok([...out.values()].every((o) => o.ok));
  for (const dst of ['m1.local/prod', 'm1.local/prod2', 'm2.local/prod']) {
    const [host, prefix] = dst.split('/') as [string, string];
    for (const img of images) {
      const repository = `${prefix}/${img.name}`;
      const at = (pred: (c: MemoryCall) => boolean) =>
        calls.flatMap((c, i) => (c.host === host && c.repository === repository && pred(c) ? [i] : []));
      const children: string[] = 'manifests' in img.data ? img.data.manifests.map((m) => m.digest) : [];
      const blobWrites = at((c) => (c.op === 'uploadBlob' || c.op === 'mountBlob') && blobsOf(img.data).includes(c.reference!));
      const childPuts = at((c) => c.op === 'putManifest' && children.includes(c.reference!));
      const tagPut = at((c) => c.op === 'putManifest' && c.reference === 'v1');
      assert.equal(tagPut.length, 1, `${dst}/${img.name}: one tag put`);
      assert.equal(childPuts.length, children.length, `${dst}/${img.name}: each child once`);
      assert.ok(blobWrites.length > 0, `${dst}/${img.name}: blobs written`);
      const lastBlob = Math.max(...blobWrites);
      assert.ok(childPuts.every((i) => i > lastBlob), `${dst}/${img.name}: blobs before child manifests`);
      assert.ok(tagPut[0]! > Math.max(lastBlob, ...childPuts), `${dst}/${img.name}: children before the tag`);
    }
  }
});

test("an image's tag is pushed while an unrelated image's blob is still being uploaded", async () => {
  const a = buildImage({ seed: 'pipe-early', layers: 1 });
  const b = buildImage({ seed: 'pipe-late', layers: 2 });
  const slow = b.layers[1]!.digest;
  const tagged = gate(5_000);
  const events: string[] = [];
  const client = new MemoryRegistryClient({
    autoCreateHosts: true,
    intercept: async (c) => {
      if (c.host !== 'm1.local') return;
      if (c.op === 'putManifest' && c.repository === 'prod/a' && c.reference === 'v1') {
        events.push('a tagged');
        tagged.release();
      }
      if (c.op === 'uploadBlob' && c.reference === slow) {
        await tagged.wait; // b's blob completes only once a's tag is pushed (or the bound passes)
        events.push('b blob uploaded');
      }
    },
  });
  await seed(client, [{ name: 'a', data: a }, { name: 'b', data: b }]);
  const { out, calls } = await promote(client, edgesFor([{ name: 'a', data: a }, { name: 'b', data: b }], ['m1.local/prod']));
  assert.deepEqual(events, ['a tagged', 'b blob uploaded']);
  assert.ok([...out.values()].every((o) => o.ok));
  const bTag = calls.findIndex((c) => c.op === 'putManifest' && c.repository === 'prod/b');
  const bBlobs = calls.flatMap((c, i) => (c.repository === 'prod/b' && c.op === 'uploadBlob' ? [i] : []));
  assert.ok(bTag > Math.max(...bBlobs), "b's tag still waits for all of b's blobs");
});

test('a destination stalled on a blob does not hold up the same image at another destination', async () => {
  const img = buildImage({ seed: 'pipe-stall', layers: 2 });
  const done = gate(5_000);
  const events: string[] = [];
  const client = new MemoryRegistryClient({
    autoCreateHosts: true,
    intercept: async (c) => {
      if (c.op === 'putManifest' && c.host === 'fast.local' && c.reference === 'v1') {
        events.push('fast tagged');
        done.release();
      }
      if (c.op === 'uploadBlob' && c.host === 'slow.local') {
        await done.wait; // as if slow.local answered Retry-After until fast.local is done
        events.push('slow blob');
      }
    },
  });
  await seed(client, [{ name: 'app', data: img }]);
  const { out } = await promote(client, edgesFor([{ name: 'app', data: img }], ['slow.local/prod', 'fast.local/prod']));
  assert.equal(events[0], 'fast tagged');
  assert.ok(events.includes('slow blob'));
  assert.ok([...out.values()].every((o) => o.ok));
  assert.ok(await client.headManifest({ host: 'slow.local', repository: 'prod/app' }, 'v1'));
});
