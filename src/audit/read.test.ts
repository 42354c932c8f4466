import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Digest, ImageName, RegistryName, Tag } from '../image/ref.js';
import type { Edge } from '../plan/edge.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, putImage } from '../registry/memory/fixtures.js';
import { sigTag } from '../signing/sig-image.js';
import { auditRegistries } from './audit.js';

const A = buildImage({ seed: 'read-a' });
const B = buildImage({ seed: 'read-b' });
const C = buildImage({ seed: 'read-c' });
const ROGUE = buildImage({ seed: 'read-rogue' });
const SIG = buildImage({ seed: 'read-sig' });

const edge = (dst: string, digest: string, tag: string | null): Edge => ({
  srcRegistry: 'staging.test/s' as RegistryName,
  srcImage: 'app' as ImageName,
  dstRegistry: dst as RegistryName,
  dstImage: 'app' as ImageName,
  digest: digest as Digest,
  tag: tag as Tag | null,
});
const EDGES = ['m1.test/prod', 'm2.test/prod'].flatMap((dst) => [edge(dst, A.digest, 'v1'), edge(dst, B.digest, 'v2'), edge(dst, C.digest, null)]);

/** Both mirrors hold A:v1 and C (tagless); m1 also a rogue tag and A's `.sig`; B:v2 is nowhere. */
async function registries(opts: { tagListDigests?: boolean } = {}): Promise<MemoryRegistryClient> {
  const client = new MemoryRegistryClient({ autoCreateHosts: true, referrers: false, ...opts });
  for (const host of ['m1.test', 'm2.test']) {
    await putImage(client.store(host), 'prod/app', A, 'v1');
    await putImage(client.store(host), 'prod/app', C);
  }
  await putImage(client.store('m1.test'), 'prod/app', ROGUE, 'rogue');
  await putImage(client.store('m1.test'), 'prod/app', SIG, sigTag(A.digest as Digest));
  return client;
}

const kinds = (r: Awaited<ReturnType<typeof auditRegistries>>): string[] => r.findings.map((f) => `${f.kind} ${f.repo.split('/')[0]} ${f.tag ?? f.digest}`);

test('audit read: a list without digests costs one list and one HEAD per listed tag and tagless digest, per repository', async () => {
  const client = await registries();
  const r = await auditRegistries(client, EDGES);
  assert.deepEqual(kinds(r), ['missing m1.test v2', 'missing m2.test v2', `unexpected-digest m1.test rogue`]);
  assert.equal(client.calls.listTags, 2);
  // m1: v1, rogue, C; m2: v1, C (attachment tags are never read)
  assert.equal(client.calls.headManifest, 5);
  assert.equal(client.calls.getManifest, 0);
});

test('audit read: a list with digests decides every tag and digest without a HEAD', async () => {
  const client = await registries({ tagListDigests: true });
  const r = await auditRegistries(client, EDGES);
  assert.deepEqual(kinds(r), ['missing m1.test v2', 'missing m2.test v2', `unexpected-digest m1.test rogue`]);
  assert.equal(client.calls.headManifest, 0);
});

test('audit read: a moved tag is seen on a mirror even when another mirror is right', async () => {
  const client = await registries();
  await putImage(client.store('m2.test'), 'prod/app', ROGUE, 'v1');
  const r = await auditRegistries(client, EDGES);
  const moved = r.findings.find((f) => f.kind === 'tag-moved');
  assert.deepEqual(moved, { kind: 'tag-moved', repo: 'm2.test/prod/app', tag: 'v1', digest: ROGUE.digest, expected: A.digest });
});

test('audit read: signatures where the placement wants them, from the listing alone', async () => {
  const canonical = await auditRegistries(await registries(), EDGES, { trust: { signatures: 'canonical' } });
  // canonical = m1 (first destination): A signed, C unsigned; B is missing (nothing to sign)
  assert.deepEqual(kinds(canonical).filter((k) => k.startsWith('unsigned')), [`unsigned m1.test ${C.digest}`]);
  const client = await registries();
  const replicate = await auditRegistries(client, EDGES, { trust: { signatures: 'replicate' } });
  assert.deepEqual(kinds(replicate).filter((k) => k.startsWith('unsigned')), [`unsigned m1.test ${C.digest}`, `unsigned m2.test ${A.digest}`, `unsigned m2.test ${C.digest}`]);
  assert.equal(client.calls.listTags, 2, 'no listing beyond the one per repository');
});

test('audit read: attestations on the canonical destination are referrers', async () => {
  const client = await registries();
  const r = await auditRegistries(client, EDGES, { trust: { attestations: true } });
  assert.deepEqual(kinds(r).filter((k) => k.startsWith('unattested')), [`unattested m1.test ${A.digest}`, `unattested m1.test ${C.digest}`]);
});

test('audit read: an unreadable repository is one finding; the others are still judged', async () => {
  const client = await registries();
  const failing = new MemoryRegistryClient({
    hosts: { 'm1.test': client.store('m1.test'), 'm2.test': client.store('m2.test') },
    referrers: false,
    intercept: (c) => {
      if (c.host === 'm2.test') throw Object.assign(new Error('503 Service Unavailable'), { status: 503 });
    },
  });
  const r = await auditRegistries(failing, EDGES);
  assert.deepEqual(r.findings.map((f) => f.kind), ['unreadable', 'missing', 'unexpected-digest']);
  assert.match(r.findings[0]!.detail!, /m2\.test\/prod\/app unreadable: 503/);
});
