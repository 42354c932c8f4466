import assert from 'node:assert/strict';
import { test } from 'node:test';
import { destinationFloor, requestFloor, upstreamModel, type Workload } from '../../bench/floor.js';

// performance.md §4's single image: L = 5 layers (B = 6 blobs), K = 20 mirrors.
const single: Workload = { images: 1, childManifests: 0, tags: 1, uniqueBlobs: 6, repos: 1 };

test("the single-image example of performance.md §4: 309 requests vs the modelled upstream's 740", () => {
  const f = requestFloor(single, Array(20).fill('empty'));
  // 2(K+1) + (1+B) + K·(2B+1)
  assert.equal(f.total, 2 * 21 + 7 + 20 * 13);
  assert.equal(f.total, 309);
  assert.equal(upstreamModel(1, 6, 20), 740);
});

test('per-destination writes: empty, mount, present', () => {
  const w: Workload = { images: 5, childManifests: 20, tags: 5, uniqueBlobs: 60, repos: 5 };
  // performance.md's patch-release example: 145 for a first repo, 85 via mount.
  assert.equal(destinationFloor(w, 'empty'), 145);
  assert.equal(destinationFloor(w, 'mount'), 85);
  assert.equal(destinationFloor(w, 'present'), 5);
});

test('a rerun reads nothing from the source; a mount-only run reads manifests only', () => {
  const w: Workload = { images: 3, childManifests: 2, tags: 3, uniqueBlobs: 10, repos: 3 };
  assert.deepEqual(requestFloor(w, ['present', 'present']), { auth: 6, source: 0, destinations: [3, 3], total: 12 });
  assert.equal(requestFloor(w, ['mount']).source, 5);
  assert.equal(requestFloor(w, ['mount', 'empty']).source, 15);
});
