/**
 * Reconciling signatures and attestations on the memory registry, for both signature formats,
 * with and without the referrers API: images promoted without signing are healed by the next
 * signing run, a deleted `.sig` is written again, and the steady state writes nothing and reads
 * no signature or image manifest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { MemoryLogger } from '../../log.js';
import { MemoryRegistryClient } from '../../registry/memory/client.js';
import { buildImage, buildMultiPlatform, putImage, putIndex } from '../../registry/memory/fixtures.js';
import { MemoryStore } from '../../registry/store/memory.js';
import { createKeySigner } from '../../signing/key-signer.js';
import { createVerifier } from '../../signing/verifier.js';
import { sigTag } from '../../signing/sig-image.js';
import { digest } from '../../image/ref.js';
import { runPromotion } from '../promoter.js';
import type { TrustConfig, SignatureFormat } from './trust.js';

const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = key.publicKey.export({ format: 'pem', type: 'spki' }).toString();

function trust(format: SignatureFormat, sign: boolean): TrustConfig {
  return {
    verifier: createVerifier({ kind: 'publicKey', publicKeyPem: pem }),
    requireSignatures: false,
    provenance: { require: false, allowedBuilders: [], allowedSourceRepos: [] },
    signer: sign ? createKeySigner(key.privateKey) : undefined,
    format,
    placement: 'canonical',
    maxOps: 4,
    version: 'test',
    now: () => new Date('2026-01-02T03:04:05Z'),
  };
}

for (const format of ['simple', 'bundle'] as const) {
  for (const referrers of [true, false]) {
    test(`${format} signatures, ${referrers ? 'with' : 'without'} the referrers API: healed when missing, nothing read or written when present`, async () => {
      const stores = { 's.local': new MemoryStore(), 'a.local': new MemoryStore(), 'b.local': new MemoryStore() };
      const client = new MemoryRegistryClient({ hosts: stores, referrers });
      const app = buildImage({ seed: `rc-${format}-${referrers}-app` });
      const multi = buildMultiPlatform({ seed: `rc-${format}-${referrers}-multi` });
      await putImage(stores['s.local'], 'st/app', app, 'v1');
      await putIndex(stores['s.local'], 'st/multi', multi, 'v1');
      const dir = await mkdtemp(join(tmpdir(), 'kpromo-reconcile-'));
      try {
        const manifest = join(dir, 'm.yaml');
        await writeFile(manifest, JSON.stringify({
          registries: [{ name: 's.local/st', src: true }, { name: 'a.local/p' }, { name: 'b.local/p' }],
          images: [{ name: 'app', dmap: { [app.digest]: ['v1'] } }, { name: 'multi', dmap: { [multi.digest]: ['v1'] } }],
        }));
        const run = (sign: boolean) =>
          runPromotion({ manifests: { manifest }, confirm: true, parseOnly: false }, { registry: client, logger: new MemoryLogger() }, { trust: trust(format, sign) });

        const unsigned = await run(false);
        assert.equal(unsigned.failure, undefined, unsigned.failure?.message);
        assert.equal(unsigned.state.trust?.signed.length ?? 0, 0, '--sign=false signs nothing');
        assert.ok(!(await client.listTags({ host: 'a.local', repository: 'p/app' })).some((t) => t.startsWith('sha256-')), 'and writes no signature');

        const healed = await run(true);
        assert.equal(healed.failure, undefined, healed.failure?.message);
        const kinds = (healed.report.trust as { healed: { kind: string }[] }).healed.map((h) => h.kind).sort();
        assert.deepEqual(kinds, ['attestation', 'attestation', 'signature', 'signature', 'signature', 'signature'], 'app, multi and its 2 children signed; app and multi attested');

        if (format === 'simple') {
          // The .sig of a child deleted: not seen from the index's listing alone, but the app's is.
          const repo = { host: 'a.local', repository: 'p/app' };
          const sig = await client.headManifest(repo, sigTag(digest(app.digest)));
          await stores['a.local'].deleteManifest('p/app', sig!.digest);
          const again = await run(true);
          assert.equal(again.failure, undefined, again.failure?.message);
          assert.deepEqual((again.report.trust as { healed: { kind: string; ref: string }[] }).healed, [{ kind: 'signature', ref: `a.local/p/app@${app.digest}` }]);
        }

        client.resetCalls();
        const steady = await run(true);
        assert.equal(steady.failure, undefined, steady.failure?.message);
        assert.equal(client.writes, 0, 'no write');
        assert.equal(client.calls.getBlob, 0, 'no signature or bundle read');
        const gets = client.history.filter((c) => c.op === 'getManifest').map((c) => c.reference!);
        assert.ok(gets.every((r) => /^sha256-[0-9a-f]{64}$/.test(r)), `only referrer lists (tag schema) are read: ${gets.join(' ')}`);
        assert.ok(gets.length <= 2, 'one referrer list per image at most');
        assert.equal(client.history.filter((c) => c.op === 'headManifest' && c.reference?.endsWith('.sig')).length, 0);
        assert.equal(client.history.filter((c) => c.op === 'listReferrers').length, 2, 'one referrer list per image (index or not), none per child');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
}
