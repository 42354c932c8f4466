/**
 * Manifest writes have a budget per destination host, not one global limit: with many mirrors
 * each takes its own writes at once, and none ever has more in flight than its budget. Counted
 * where the registries handle them (in-process registries whose stores hold each manifest PUT
 * until the expected number is in flight across the hosts, or a bound passes).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistryServer, type RegistryServer } from '../../src/registry/server/server.js';
import { MemoryStore } from '../../src/registry/store/memory.js';
import type { StoredManifest } from '../../src/registry/store/store.js';
import { buildImage, pushImage, type ImageData } from '../support/seed.js';
import { assertHasImage, promote, writeManifest } from './harness.js';

const MIRRORS = 4;
const IMAGES = 6;
const BUDGET = 2;

/** Manifest PUTs in flight per host, as the registries see them, and the peaks. */
class WriteGate {
  readonly inFlight = new Map<string, number>();
  readonly peak = new Map<string, number>();
  peakTotal = 0;
  timedOut = false;
  private total = 0;
  private open = false;
  private release!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.release = resolve));

  /** Holds writes until `target` are in flight at once (then lets every write through), or `boundMs` passed. */
  constructor(private readonly target: number, boundMs: number) {
    const bound = setTimeout(() => ((this.timedOut = true), this.openUp()), boundMs);
    void this.opened.then(() => clearTimeout(bound));
  }

  async hold<T>(host: string, fn: () => Promise<T>): Promise<T> {
    const n = (this.inFlight.get(host) ?? 0) + 1;
    this.inFlight.set(host, n);
    this.peak.set(host, Math.max(this.peak.get(host) ?? 0, n));
    this.peakTotal = Math.max(this.peakTotal, ++this.total);
    try {
      if (this.total >= this.target) this.openUp();
      if (!this.open) await this.opened;
      return await fn();
    } finally {
      this.inFlight.set(host, this.inFlight.get(host)! - 1);
      this.total--;
    }
  }

  private openUp(): void {
    this.open = true;
    this.release();
  }
}

class GatedStore extends MemoryStore {
  constructor(private readonly gate: WriteGate, private readonly host: () => string) {
    super();
  }
  override putManifest(repo: string, digest: string, manifest: StoredManifest): Promise<void> {
    return this.gate.hold(this.host(), () => super.putManifest(repo, digest, manifest));
  }
}

let staging: RegistryServer;
let dir: string;
let images: ImageData[];

before(async () => {
  staging = await startRegistryServer();
  dir = await mkdtemp(join(tmpdir(), 'kpromo-writes-'));
  images = Array.from({ length: IMAGES }, (_, i) => buildImage({ seed: `write-budget-${i}` }));
  for (const [i, img] of images.entries()) await pushImage(staging, `staging/app${i}`, img, 'v1');
});
after(async () => {
  await staging.stop();
  await rm(dir, { recursive: true, force: true });
});

test('manifest writes to different mirrors overlap, each mirror within its own budget', async (t) => {
  // Every mirror at its budget at once: more than the single global slot the copy is given. The
  // first mirror holds 4 destination repositories, so its first image alone brings 4 writes: held
  // until the others reach their budget, they would all be in flight together if it had none.
  const gate = new WriteGate(MIRRORS * BUDGET, 10_000);
  const mirrors: RegistryServer[] = [];
  for (let i = 0; i < MIRRORS; i++) {
    const m: RegistryServer = await startRegistryServer({ store: new GatedStore(gate, () => m.host) });
    mirrors.push(m);
  }
  t.after(() => Promise.all(mirrors.map((m) => m.stop())));
  const dsts = [...['prod2', 'prod3', 'prod4'].map((p) => `${mirrors[0]!.host}/${p}`), ...mirrors.map((m) => `${m.host}/prod`)];
  const manifest = await writeManifest(dir, `${staging.host}/staging`, dsts, images.map((img, i) => ({ name: `app${i}`, dmap: { [img.digest]: ['v1'] } })));
  const r = await promote(manifest, { options: { writesPerHost: BUDGET, copyConcurrency: 1 } });
  assert.equal(r.failure, undefined, r.failure?.message);
  for (const d of dsts) {
    const [host, repo] = d.split('/') as [string, string];
    const m = mirrors.find((x) => x.host === host)!;
    for (const [i, img] of images.entries()) await assertHasImage(m, `${repo}/app${i}`, img, 'v1');
  }

  assert.equal(gate.timedOut, false, `the writes never reached ${MIRRORS * BUDGET} in flight (peak ${gate.peakTotal})`);
  assert.equal(gate.peakTotal, MIRRORS * BUDGET);
  assert.deepEqual([...gate.peak.values()], Array(MIRRORS).fill(BUDGET), 'every mirror had exactly its budget in flight at its peak');
});
