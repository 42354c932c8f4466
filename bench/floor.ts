/**
 * The request floor of performance.md §4: the fewest HTTP requests any promoter needs, given a
 * plan that already knows what each destination holds.
 *   R_min = A·(K+1) + R_src + Σ_d W_d
 *   R_src = N·(1+P) + U_tot                  (manifests, then each unique blob once)
 *   W_d   = 2·U_d + M + N·T   destination empty (POST + PUT per blob, child and tagged manifests)
 *         =   U_d + M + N·T   blobs mountable from another repository of the same host
 *         = min(N·T, repos)    image already present (manifest HEADs, or one tag list per repo)
 */

/** The workload, summed over images (plain images have no children). */
export interface Workload {
  /** N: top-level images (plain manifests or indexes). */
  images: number;
  /** M = Σ P: child manifests of the indexes. */
  childManifests: number;
  /** Σ T: tags per destination repository set (one tag per image in the benchmark). */
  tags: number;
  /** U_tot: unique blobs (configs and layers) of the whole run. */
  uniqueBlobs: number;
  /** Repositories per destination (for the list-call alternative of a present image). */
  repos: number;
}

/** What one destination holds before the run. */
export type DestinationState = 'empty' | 'mount' | 'present';

/** The floor, split as in the formula. */
export interface Floor {
  auth: number;
  source: number;
  destinations: number[];
  total: number;
}

/** Auth round trips per (host, token scope): GET /v2/ and GET token (performance.md §4, A = 2). */
export const AUTH_PER_HOST = 2;

/** The writes (or checks) destination `d` needs in its state. */
export function destinationFloor(w: Workload, state: DestinationState): number {
  if (state === 'present') return Math.min(w.tags, w.repos);
  const manifests = w.childManifests + w.tags;
  return (state === 'empty' ? 2 : 1) * w.uniqueBlobs + manifests;
}

/**
 * The run floor for `w` over destinations in `states` (one distinct host each, unless `hosts`
 * says fewer: several repository sets on one host share its auth round trips). The source is
 * read only when something must be written: manifests if any destination lacks the image,
 * blobs too if any destination cannot mount them.
 */
export function requestFloor(w: Workload, states: readonly DestinationState[], authPerHost = AUTH_PER_HOST, hosts = states.length): Floor {
  const needsManifests = states.some((s) => s !== 'present');
  const needsBlobs = states.some((s) => s === 'empty');
  const source = (needsManifests ? w.images + w.childManifests : 0) + (needsBlobs ? w.uniqueBlobs : 0);
  const destinations = states.map((s) => destinationFloor(w, s));
  const auth = authPerHost * (hosts + 1);
  return { auth, source, destinations, total: auth + source + destinations.reduce((a, b) => a + b, 0) };
}

/** performance.md's model of upstream kpromo for one image of B blobs on K mirrors: K·(7+5B). */
export function upstreamModel(images: number, blobsPerImage: number, mirrors: number): number {
  return images * mirrors * (7 + 5 * blobsPerImage);
}
