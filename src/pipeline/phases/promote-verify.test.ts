import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RepoRef } from '../../image/ref.js';
import { nullLogger } from '../../log.js';
import { MemoryRegistryClient } from '../../registry/memory/client.js';
import { buildImage, putImage } from '../../registry/memory/fixtures.js';
import type { CallOptions } from '../../registry/types.js';
import type { Digest } from '../../image/ref.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPromotion } from '../promoter.js';

/** A registry whose manifest PUT answers on `unproven` hosts lack the digest header. */
class HalfConfirming extends MemoryRegistryClient {
  constructor(private readonly unproven: string) {
    super({ autoCreateHosts: true });
  }
  override async putManifestChecked(repo: RepoRef, reference: string, m: { bytes: Uint8Array; mediaType: string }, opts?: CallOptions): Promise<{ digest: Digest; confirmed: boolean }> {
    const r = await super.putManifestChecked(repo, reference, m, opts);
    return { ...r, confirmed: repo.host !== this.unproven };
  }
}

const img = buildImage({ seed: 'verify' });
async function run(verifyExisting: boolean) {
  const client = new HalfConfirming('b.local');
  await putImage(client.store('src.local'), 's/app', img, 'v1');
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-verify-'));
  const manifest = join(dir, 'm.yaml');
  const doc = { registries: [{ name: 'src.local/s', src: true }, { name: 'a.local/p' }, { name: 'b.local/p' }], images: [{ name: 'app', dmap: { [img.digest]: ['v1', 'v1.0'] } }] };
  await writeFile(manifest, JSON.stringify(doc));
  const r = await runPromotion({ manifests: { manifest }, confirm: true, parseOnly: false, verifyExisting }, { registry: client, logger: nullLogger }).finally(() =>
    rm(dir, { recursive: true, force: true }),
  );
  assert.equal(r.failure, undefined, r.failure?.message);
  assert.equal(r.report.counts!.promoted, 4);
  // HEADs after the copy (the plan lists, and HEADs nothing on empty repositories)
  return client.history.filter((h) => h.op === 'headManifest').map((h) => `${h.host} ${h.reference}`).sort();
}

test('after the copy, only writes whose PUT answer did not prove them are read back', async () => {
  assert.deepEqual(await run(false), ['b.local v1', 'b.local v1.0']);
});

test('--verify-existing reads back every write', async () => {
  assert.deepEqual(await run(true), ['a.local v1', 'a.local v1.0', 'b.local v1', 'b.local v1.0']);
});
