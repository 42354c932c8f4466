import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aboveFloor, learningReads, dependencyDepth, destinationFloor, destinationFloorByKind, requestFloor, sourceFloorByKind, timeFloor, upstreamModel, type Workload } from '../../bench/floor.js';
import { buildWorkload, QUICK } from '../../bench/workload.js';

// performance.md §4's single image: L = 5 layers (B = 6 blobs), K = 20 mirrors.
const single: Workload = { images: 1, childManifests: 0, tags: 1, uniqueBlobs: 6, repos: 1 };

test("the single-image example of performance.md §4: 309 requests vs the modelled upstream's 740", () => {
  const f = requestFloor(single, Array(20).fill('empty'));
  // 2(K+1) + (1+B) + K·(2B+1)
  assert.equal(f.total, 2 * 21 + 7 + 20 * 13);
  assert.equal(f.total, 309);
  assert.equal(f.perHost.total, 309, 'one repository: both counts agree');
  assert.equal(upstreamModel(1, 6, 20), 740);
});

test('per-destination writes: empty, mount, present', () => {
  const w: Workload = { images: 5, childManifests: 20, tags: 5, uniqueBlobs: 60, repos: 5 };
  // performance.md's patch-release example: 145 for a first repo, 85 via mount.
  assert.equal(destinationFloor(w, 'empty'), 145);
  assert.equal(destinationFloor(w, 'mount'), 85);
  assert.equal(destinationFloor(w, 'present'), 5);
});

// 3 repositories on one host; a base layer in all 3, 2 own blobs each: U = 7, Σ U_r = 9.
const shared: Workload = { images: 3, childManifests: 0, tags: 3, uniqueBlobs: 7, repos: 3, repoBlobs: 9 };

test('per repository (§4 case b): the first repository of a host uploads a blob, every further one mounts it', () => {
  const table: Array<[string, Parameters<typeof destinationFloor>[1], Parameters<typeof destinationFloor>[2], number]> = [
    // 7 uploads (POST + PUT) + 2 mounts of the base into the 2nd and 3rd repository + 3 tags
    ['empty, per repository', 'empty', 'repository', 2 * 7 + 2 + 3],
    ['empty, per host (old figure)', 'empty', 'host', 2 * 7 + 3],
    // each repository mounts each of its blobs once: 9 + 3 tags
    ['mount, per repository', 'mount', 'repository', 9 + 3],
    ['mount, per host (old figure)', 'mount', 'host', 7 + 3],
    ['present, either way', 'present', 'repository', 3],
    ['present, per host', 'present', 'host', 3],
  ];
  for (const [name, state, granularity, want] of table) assert.equal(destinationFloor(shared, state, granularity), want, name);
});

test('requestFloor reports both totals; they differ by the extra mounts per host', () => {
  const f = requestFloor(shared, ['empty', 'empty']);
  assert.deepEqual(f.destinations, [19, 19]);
  assert.deepEqual(f.perHost.destinations, [17, 17]);
  assert.equal(f.total - f.perHost.total, 2 * (9 - 7));
  assert.equal(f.source, 3 + 7);
});

test("the bench's quick workload: the shared base layer adds one mount per further repository per host", () => {
  const w = buildWorkload(QUICK).counts;
  const plain = QUICK.images - QUICK.indexes; // the images sharing the base, one repository each
  assert.equal(w.repoBlobs! - w.uniqueBlobs, plain - 1);
  const f = requestFloor(w, Array(4).fill('empty'));
  assert.equal(f.total - f.perHost.total, 4 * (plain - 1));
});

test('a rerun reads nothing from the source; a mount-only run reads manifests only', () => {
  const w: Workload = { images: 3, childManifests: 2, tags: 3, uniqueBlobs: 10, repos: 3 };
  const rerun = requestFloor(w, ['present', 'present']);
  assert.deepEqual({ ...rerun, perHost: undefined }, { auth: 6, source: 0, destinations: [3, 3], total: 12, perHost: undefined });
  assert.equal(requestFloor(w, ['mount']).source, 5);
  assert.equal(requestFloor(w, ['mount', 'empty']).source, 15);
});

test('attachments: an SBOM, a provenance and a signature per image add their uploads, manifests and fallback indexes', () => {
  // 2 images, each with 3 referrers (1 layer + the shared empty config each: 4 distinct blobs per image).
  const attachments = { manifests: 6, blobs: 8, subjects: 2, listed: 0, referrersApi: false };
  const w: Workload = { images: 2, childManifests: 0, tags: 2, uniqueBlobs: 4, repos: 2, attachments };
  // images: 4 blobs × 2 + 2 tags; attachments: 8 blobs × 2 + 6 manifests + 2 fallback indexes
  assert.equal(destinationFloor(w, 'empty'), 10 + 24);
  assert.equal(destinationFloor({ ...w, attachments: { ...attachments, referrersApi: true } }, 'empty'), 10 + 22);
  assert.equal(destinationFloor(w, 'present'), 2, 'present attachments cost nothing beyond the lists');
  const f = requestFloor({ ...w, attachments: { ...attachments, listed: 2, referrersApi: true } }, ['empty', 'present']);
  // source: 2 manifests + 4 blobs + 2 referrer lists + 6 attachment manifests + 8 of their blobs
  assert.equal(f.source, 2 + 4 + 2 + 6 + 8);
  assert.equal(requestFloor(w, ['present']).source, 0, 'nothing is read from the source when everything is present');
});

test('dependency depth: auth, plan, then the copy chain of an index or a plain image', () => {
  const plain: Workload = { images: 2, childManifests: 0, tags: 2, uniqueBlobs: 4, repos: 2 };
  const index: Workload = { ...plain, childManifests: 4 };
  const table: Array<[Workload, Parameters<typeof destinationFloor>[1], number, number]> = [
    [plain, 'present', 1, 2], // ping, tag list
    [plain, 'empty', 1, 5], // ping, list ‖ manifest GET, blob GET ‖ POST, upload PUT, manifest PUT
    [index, 'empty', 1, 7], // … + child GET, child PUT
    [index, 'empty', 2, 8], // a token after the ping
    [index, 'mount', 1, 6], // one mount instead of GET + PUT
  ];
  for (const [w, state, auth, want] of table) assert.equal(dependencyDepth(w, state, auth), want, `${state} auth ${auth}`);
});

test('time floor: the busiest host at its budget plus the depth × round trip', () => {
  const w: Workload = { images: 5, childManifests: 20, tags: 5, uniqueBlobs: 60, repos: 5 };
  // each mirror: 1 ping + 145 writes; the source: 1 ping + 25 manifests + 60 blobs
  const f = timeFloor(w, ['empty', 'empty'], { qps: 50, rttMs: 30, uniqueBytes: 6_000_000, authTrips: 1 });
  assert.equal(f.requestsMs, (146 / 50) * 1000);
  assert.equal(f.bytesMs, 0);
  assert.equal(f.depth, 7);
  assert.equal(f.totalMs, 2920 + 210);
  const slow = timeFloor(w, ['empty'], { qps: 1000, rttMs: 30, uniqueBytes: 6_000_000, bandwidth: 1_000_000, authTrips: 1 });
  assert.equal(slow.bytesMs, 6000);
  assert.equal(slow.totalMs, 6000 + 210);
  const rerun = timeFloor(w, ['present', 'present'], { qps: 50, rttMs: 30, uniqueBytes: 6_000_000, bandwidth: 1_000_000, authTrips: 1 });
  assert.deepEqual([rerun.bytesMs, rerun.depth], [0, 2]);
});

test('the floor by kind sums to the floor per host, and shows what a run spends above it', () => {
  const attachments = { manifests: 6, blobs: 8, subjects: 2, listed: 2, referrersApi: false };
  const w: Workload = { images: 3, childManifests: 2, tags: 3, uniqueBlobs: 10, repos: 3, repoBlobs: 12, attachments };
  const sum = (f: Record<string, number>): number => Object.values(f).reduce((a, b) => a + b, 0);
  for (const s of ['empty', 'mount', 'present'] as const) {
    assert.equal(sum(destinationFloorByKind(w, s)), destinationFloor(w, s) + 2, s);
    const f = requestFloor(w, [s, 'present']);
    assert.equal(sum(sourceFloorByKind(w, [s, 'present'])), f.source + 2, s);
  }
  const floor = destinationFloorByKind({ ...w, attachments: undefined }, 'empty');
  // a mount in place of an upload's PUT is the same placement; tag lists and a HEAD are above it
  const seen = { ping: 1, tags: 3, 'manifest-head': 1, 'upload-start': 10, 'upload-put': 9, 'blob-mount': 3, 'manifest-put': 5 };
  assert.deepEqual(aboveFloor(seen, floor), { 'ping|token': -1, 'tags|manifest-head': 4 });
});

test('the reads that learn what exists: a list per destination repository written, a probe and a list per source repository for attachments', () => {
  const w: Workload = { images: 8, childManifests: 4, tags: 8, uniqueBlobs: 35, repos: 8 };
  assert.equal(learningReads(w, Array(4).fill('empty'), true), 4 * 8 + 1 + 8);
  assert.equal(learningReads(w, Array(4).fill('empty'), false), 4 * 8);
  assert.equal(learningReads(w, Array(4).fill('present'), true), 0, 'the floor counts the lists of present destinations');
});
