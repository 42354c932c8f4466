import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repoKey, type RepoRef } from '../image/ref.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, pushTo } from '../registry/memory/fixtures.js';
import type { Attachment } from './attachment.js';
import { copyAttachment } from './copy.js';

test('copyAttachment: a referrer listed for one image whose subject is another is refused before anything is written', async () => {
  const client = new MemoryRegistryClient({ autoCreateHosts: true });
  const src: RepoRef = { host: 'staging.example', repository: 'p/app' };
  const dst: RepoRef = { host: 'prod.example', repository: 'p/app' };
  const mine = buildImage({ seed: 'copy-mine' });
  const other = buildImage({ seed: 'copy-other' });
  // an SBOM whose subject is `other`, listed (by a hostile staging) among the referrers of `mine`
  const sbom = buildImage({ seed: 'copy-foreign-sbom', artifactType: 'application/spdx+json', subject: other });
  for (const m of [mine, other, sbom]) await pushTo(client, src, m);
  await pushTo(client, dst, mine);
  await pushTo(client, dst, other);
  const a: Attachment = { scheme: 'referrer', subject: mine.digest, digest: sbom.digest, mediaType: sbom.mediaType, children: [] };
  await assert.rejects(copyAttachment(client, src, dst, a), /subject is not/);
  assert.equal(await client.headManifest(dst, sbom.digest), undefined, `${repoKey(dst)}@${sbom.digest} is not written`);
  assert.deepEqual(await client.listReferrers(dst, other.digest), [], 'the other image gains no referrer');
});
