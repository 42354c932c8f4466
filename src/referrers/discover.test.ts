import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RepoRef } from '../image/ref.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, pushTo } from '../registry/memory/fixtures.js';
import { MediaTypes } from '../registry/types.js';
import { referrersTag } from '../registry/http/referrers.js';
import { TagIndex } from '../signing/tag-index.js';
import type { Attachment } from './attachment.js';
import { discoverAttachments } from './discover.js';
import { ALL_REFERRERS } from './filter.js';

const repo: RepoRef = { host: 'staging.example', repository: 'p/app' };
const count = (as: Attachment[]): number => as.reduce((n, a) => n + 1 + count(a.children), 0);

/** An image with `n` SBOM referrers in the fallback tag scheme, each of whose own fallback index (hostile) lists all of them again. */
async function hostile(n: number) {
  const client = new MemoryRegistryClient({ autoCreateHosts: true, referrers: false });
  const app = buildImage({ seed: 'discover-app' });
  const sboms = Array.from({ length: n }, (_, i) => buildImage({ seed: `discover-sbom-${i}`, artifactType: 'application/spdx+json', subject: app }));
  for (const m of [app, ...sboms]) await pushTo(client, repo, m);
  const list = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: sboms.map((s) => ({ mediaType: s.mediaType, digest: s.digest, size: s.size, artifactType: 'application/spdx+json' })) }));
  for (const subject of [app, ...sboms]) await client.putManifest(repo, referrersTag(subject.digest), { bytes: list, mediaType: MediaTypes.ociIndex });
  return { client, app };
}

test('discover: an attachment listed again under other subjects (a hostile fallback index) is followed once per image', async () => {
  const { client, app } = await hostile(4);
  const found = await discoverAttachments({ tags: new TagIndex(client), filter: ALL_REFERRERS }, repo, app.digest);
  assert.equal(found.length, 4);
  assert.equal(count(found), 4, 'the lists under each SBOM repeat the same four: nothing more is found');
});

test('discover: more attachments than the bound refuses the image with an error instead of reading on', async () => {
  const { client, app } = await hostile(4);
  await assert.rejects(discoverAttachments({ tags: new TagIndex(client), filter: ALL_REFERRERS, maxAttachments: 3 }, repo, app.digest), /more than 3 attachments under sha256:/);
  assert.equal((await discoverAttachments({ tags: new TagIndex(client), filter: ALL_REFERRERS, maxAttachments: 4 }, repo, app.digest)).length, 4);
});
