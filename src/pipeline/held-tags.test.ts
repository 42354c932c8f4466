/**
 * Tags held until their image is signed and attested (signed before visible): a run interrupted
 * after the copy reports the held edges interrupted (not failed) and names the phase the signal
 * came in; the promote phase logs them as held; publish reads back only the tag writes the
 * registry did not prove.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InterruptedError } from '../errors.js';
import { MemoryLogger } from '../log.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, putImage } from '../registry/memory/fixtures.js';
import { MemoryStore } from '../registry/store/memory.js';
import { memorySigner } from '../signing/memory.js';
import type { Signer } from '../signing/types.js';
import { runPromotion } from './promoter.js';
import { memoryTrust } from './phases/memory-trust.js';

async function interruptedRun(when: 'sign' | 'attest' | 'publish' | 'never') {
  const stores = { 's.local': new MemoryStore(), 'a.local': new MemoryStore(), 'b.local': new MemoryStore() };
  const client = new MemoryRegistryClient({ hosts: stores });
  const images = [0, 1].map((i) => buildImage({ seed: `held-int-${when}-${i}` }));
  for (const [i, img] of images.entries()) await putImage(stores['s.local'], 'st/app', img, `v${i}`);
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-held-int-'));
  try {
    const manifest = join(dir, 'm.yaml');
    await writeFile(manifest, JSON.stringify({
      registries: [{ name: 's.local/st', src: true }, { name: 'a.local/p' }, { name: 'b.local/p' }],
      images: [{ name: 'app', dmap: Object.fromEntries(images.map((img, i) => [img.digest, [`v${i}`]])) }],
    }));
    const abort = new AbortController();
    const stop = (): never => {
      abort.abort(new InterruptedError('SIGTERM'));
      throw abort.signal.reason;
    };
    const base = memorySigner('promoter');
    const signer: Signer = {
      ...base,
      signMessage: (p) => (when === 'sign' ? stop() : base.signMessage(p)),
      signDsse: (p, t) => (when === 'attest' ? stop() : base.signDsse(p, t)),
    };
    if (when === 'publish') {
      // the first tag written aborts the run: the other image's tags are cut short
      const put = client.putManifest.bind(client);
      client.putManifest = async (repo, ref, m, o) => {
        if (!ref.startsWith('sha256:') && !ref.startsWith('sha256-') && !abort.signal.aborted) {
          const r = await put(repo, ref, m, o);
          abort.abort(new InterruptedError('SIGTERM'));
          return r;
        }
        if (abort.signal.aborted) throw abort.signal.reason;
        return put(repo, ref, m, o);
      };
    }
    const trust = memoryTrust({ signer, placement: 'replicate' });
    const logger = new MemoryLogger();
    const r = await runPromotion({ manifests: { manifest }, confirm: true, parseOnly: false, copyConcurrency: 1 }, { registry: client, logger }, { trust, signal: abort.signal });
    return { r, client, logger };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const when of ['sign', 'attest'] as const) {
  test(`interrupted in ${when}: held edges are interrupted (no tag visible), the phase is ${when}`, async () => {
    const { r, client } = await interruptedRun(when);
    assert.equal(r.interrupted?.phase, when);
    const kinds = r.state.outcomes!.map((o) => o.outcome);
    assert.deepEqual(kinds, ['interrupted', 'interrupted', 'interrupted', 'interrupted']);
    assert.match(r.failure?.message ?? '', /interrupted by SIGTERM during .*: promoted 0, interrupted 4, not attempted 0 \(of 4 edges\)/);
    for (const host of ['a.local', 'b.local']) {
      assert.deepEqual((await client.listTags({ host, repository: 'p/app' })).filter((t) => t.startsWith('v')), [], `no tag visible on ${host}`);
    }
  });
}

test('interrupted in publish: tags written are promoted, the rest interrupted', async () => {
  const { r, client } = await interruptedRun('publish');
  assert.equal(r.interrupted?.phase, 'publish');
  const c = { promoted: 0, interrupted: 0 } as Record<string, number>;
  for (const o of r.state.outcomes!) c[o.outcome] = (c[o.outcome] ?? 0) + 1;
  assert.ok(c.promoted! >= 1, JSON.stringify(r.state.outcomes));
  assert.equal(c.promoted! + c.interrupted!, 4, JSON.stringify(r.state.outcomes));
  for (const o of r.state.outcomes!) {
    const visible = (await client.listTags({ host: o.edge.dstRegistry.split('/')[0]!, repository: 'p/app' })).includes(o.edge.tag!);
    assert.equal(visible, o.outcome === 'promoted', `${o.edge.dstRegistry}:${o.edge.tag} ${o.outcome}`);
  }
});

test('not interrupted: the promote phase logs held tags as held, not as failures', async () => {
  const { r, logger } = await interruptedRun('never');
  assert.equal(r.failure, undefined, r.failure?.message);
  const done = logger.records.find((x) => x.msg === 'promotion done');
  assert.equal(done?.fields?.failed, 0, JSON.stringify(done));
  assert.equal(done?.fields?.held, 4, JSON.stringify(done));
  assert.deepEqual(r.state.outcomes!.map((o) => o.outcome), Array(4).fill('promoted'));
});

test('publish: a tag PUT the registry confirmed (201 with the digest sent) is not read back; with --verify-existing it is', async () => {
  for (const verifyExisting of [false, true]) {
    const stores = { 's.local': new MemoryStore(), 'a.local': new MemoryStore() };
    const client = new MemoryRegistryClient({ hosts: stores });
    const img = buildImage({ seed: `publish-proof-${verifyExisting}` });
    await putImage(stores['s.local'], 'st/app', img, 'v1');
    const dir = await mkdtemp(join(tmpdir(), 'kpromo-publish-proof-'));
    try {
      const manifest = join(dir, 'm.yaml');
      await writeFile(manifest, JSON.stringify({ registries: [{ name: 's.local/st', src: true }, { name: 'a.local/p' }], images: [{ name: 'app', dmap: { [img.digest]: ['v1', 'v1.0'] } }] }));
      const trust = memoryTrust();
      const r = await runPromotion({ manifests: { manifest }, confirm: true, parseOnly: false, verifyExisting }, { registry: client, logger: new MemoryLogger() }, { trust });
      assert.equal(r.failure, undefined, r.failure?.message);
      const tagHeads = client.history.filter((h) => h.op === 'headManifest' && h.host === 'a.local' && (h.reference === 'v1' || h.reference === 'v1.0'));
      assert.equal(tagHeads.length, verifyExisting ? 2 : 0, JSON.stringify(tagHeads));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
});
