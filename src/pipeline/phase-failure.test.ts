/**
 * A phase that fails unexpectedly (an internal error, not bad input) still leaves a report: every
 * edge is marked (not attempted before the copy; interrupted when the copy itself failed, its
 * writes unknown), the report names the phase and its error, and the run fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digest } from '../image/ref.js';
import { MemoryLogger } from '../log.js';
import { attachReferrer } from '../registry/http/referrers.js';
import { MemoryRegistryClient } from '../registry/memory/client.js';
import { buildImage, putImage } from '../registry/memory/fixtures.js';
import { MemoryStore } from '../registry/store/memory.js';
import { phase } from './pipeline.js';
import { planPhase } from './phases/plan.js';
import { setupPhase } from './phases/setup.js';
import { memoryTrust } from './phases/memory-trust.js';
import { runPromotion } from './promoter.js';
import type { PromotionState } from './state.js';
import { sbomReferrer } from '../../test/referrers/seed-artifacts.js';

async function failingRun(failIn: 'policy' | 'promote') {
  const stores = { 's.local': new MemoryStore(), 'a.local': new MemoryStore() };
  const client = new MemoryRegistryClient({ hosts: stores });
  const img = buildImage({ seed: `phase-failure-${failIn}` });
  await putImage(stores['s.local'], 'st/app', img, 'v1');
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-phase-failure-'));
  try {
    const manifest = join(dir, 'm.yaml');
    await writeFile(manifest, JSON.stringify({
      registries: [{ name: 's.local/st', src: true }, { name: 'a.local/p' }],
      images: [{ name: 'app', dmap: { [img.digest]: ['v1'] } }],
    }));
    const boom = phase<PromotionState>(failIn, async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'digest')");
    });
    return await runPromotion(
      { manifests: { manifest }, confirm: true, parseOnly: false },
      { registry: client, logger: new MemoryLogger() },
      { phases: [setupPhase, planPhase, boom] },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a phase failing before the copy: the report is built, every edge not attempted, the run fails naming the phase', async () => {
  const r = await failingRun('policy');
  assert.match(r.failure?.message ?? '', /^promotion incomplete: phase "policy" failed: Cannot read properties of undefined/);
  assert.deepEqual(r.report.phaseFailed, { phase: 'policy', error: `phase "policy" failed: Cannot read properties of undefined (reading 'digest')` });
  assert.deepEqual(r.state.outcomes?.map((o) => [o.outcome, o.error]), [['not-attempted', 'phase "policy" failed before the copy']]);
  assert.deepEqual(r.report.phases?.map((p) => [p.name, p.result]), [['setup', 'ok'], ['plan', 'ok'], ['policy', 'failed']]);
  assert.equal(r.report.counts?.['not-attempted'], 1);
});

test('a failing copy phase: its writes are unknown, so its edges are marked interrupted', async () => {
  const r = await failingRun('promote');
  assert.match(r.failure?.message ?? '', /phase "promote" failed/);
  assert.deepEqual(r.state.outcomes?.map((o) => o.outcome), ['interrupted']);
  assert.match(r.state.outcomes?.[0]?.error ?? '', /^phase "promote" failed: Cannot read properties/);
});

test('attachments found while promote copies (no signer): a failure finding them fails the run in carry, with a report', async () => {
  const stores = { 's.local': new MemoryStore(), 'a.local': new MemoryStore(), 'b.local': new MemoryStore() };
  const client = new MemoryRegistryClient({ hosts: stores });
  const img = buildImage({ seed: 'phase-failure-attachments' });
  await putImage(stores['s.local'], 'st/app', img, 'v1');
  await putImage(stores['a.local'], 'p/app', img, 'v1'); // present at a: its referrers there are read
  const sbom = sbomReferrer(img, 'app');
  await putImage(stores['s.local'], 'st/app', sbom);
  await attachReferrer(client, { host: 's.local', repository: 'st/app' }, digest(img.digest), { bytes: sbom.bytes, mediaType: sbom.mediaType });
  const list = client.listReferrers.bind(client);
  client.listReferrers = async (repo, d, o) => {
    if (repo.host === 'a.local') throw new TypeError('referrers index unreadable');
    return list(repo, d, o);
  };
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-phase-failure-'));
  try {
    const manifest = join(dir, 'm.yaml');
    await writeFile(manifest, JSON.stringify({
      registries: [{ name: 's.local/st', src: true }, { name: 'a.local/p' }, { name: 'b.local/p' }],
      images: [{ name: 'app', dmap: { [img.digest]: ['v1'] } }],
    }));
    const r = await runPromotion(
      { manifests: { manifest }, confirm: true, parseOnly: false },
      { registry: client, logger: new MemoryLogger() },
      { trust: memoryTrust({ signer: undefined }) },
    );
    assert.match(r.failure?.message ?? '', /phase "carry" failed: referrers index unreadable/);
    assert.equal(r.report.phaseFailed?.phase, 'carry');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
