/**
 * The request floor of performance.md §4: the fewest HTTP requests any promoter needs, given a
 * plan that already knows what each destination holds.
 *   R_min = A·(K+1) + R_src + Σ_d W_d
 *   R_src = N·(1+P) + U_tot                  (manifests, then each unique blob once)
 *   W_d   = 2·U_d + (Σ_r U_r − U_d) + M + N·T  destination empty: POST + PUT for the first
 *                                             repository of the host holding a blob, one mount
 *                                             for every further repository needing it (case b)
 *         =   Σ_r U_r + M + N·T   blobs mountable from another repository of the same host
 *         = min(N·T, repos)       image already present (manifest HEADs, or one tag list per repo)
 * with U_r the distinct blobs repository r needs. Attachments (referrers, cosign tags) add, for
 * Q attachment manifests with U_a distinct blobs on S subjects that have any (see Attachments):
 *   R_src += S_l + Q + U_a                   (each listed subject's referrer list, once for every phase)
 *   W_d   += 2·U_a + Q + F                   destination without them: upload, then the manifest;
 *                                            F = S on a registry without the referrers API (one
 *                                            merged fallback-index PUT per subject), else 0
 *         += 0                               present: decided from the lists the run reads anyway §4's own example counts this way: "Second repo,
 * same host, via mount: 60 + 25 = 85". The per-host variant (each blob once per host, Σ_r U_r
 * replaced by U_d) is kept as `perHost` for comparison with earlier results.
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
  /**
   * Σ_r U_r: over the repositories of one destination, the distinct blobs each needs (a blob
   * shared by images in 3 repositories counts 3). Defaults to `uniqueBlobs` (one repository).
   */
  repoBlobs?: number;
  /** What travels with the images (none when absent). */
  attachments?: Attachments;
}

/** The attachments of a workload, per destination that carries them. */
export interface Attachments {
  /** Q: attachment manifests (referrers and cosign tag images, nested ones included). */
  manifests: number;
  /** U_a: their distinct blobs. */
  blobs: number;
  /** S: subjects with at least one referrer (one fallback index each without the API). */
  subjects: number;
  /** S_l: subjects whose referrer list is a request (every subject with the API; 0 when the tag list answers). */
  listed: number;
  /** The destinations serve the referrers API (no fallback index to write). */
  referrersApi: boolean;
}

/** What one destination holds before the run. */
export type DestinationState = 'empty' | 'mount' | 'present';

/** How blobs are counted at a host: once per repository needing them (§4), or once per host. */
export type BlobGranularity = 'repository' | 'host';

/** The floor, split as in the formula. */
export interface Floor {
  auth: number;
  source: number;
  destinations: number[];
  total: number;
  /** The same floor counting each blob once per host (the benchmark's figure before per-repository counting). */
  perHost: { destinations: number[]; total: number };
}

/** Auth round trips per (host, token scope): GET /v2/ and GET token (performance.md §4, A = 2). */
export const AUTH_PER_HOST = 2;

/** The writes (or checks) destination `d` needs in its state. */
export function destinationFloor(w: Workload, state: DestinationState, granularity: BlobGranularity = 'repository'): number {
  if (state === 'present') return Math.min(w.tags, w.repos);
  const manifests = w.childManifests + w.tags;
  const placements = granularity === 'repository' ? (w.repoBlobs ?? w.uniqueBlobs) : w.uniqueBlobs;
  // every placement costs one request (a mount, or the PUT closing an upload); an upload adds its POST
  return placements + (state === 'empty' ? w.uniqueBlobs : 0) + manifests + attachmentWrites(w.attachments);
}

/** What a destination without the attachments needs: each blob uploaded (POST + PUT), each manifest, the fallback indexes. */
export function attachmentWrites(a: Attachments | undefined): number {
  if (!a) return 0;
  return 2 * a.blobs + a.manifests + (a.referrersApi ? 0 : a.subjects);
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
  const a = w.attachments;
  const source = (needsManifests ? w.images + w.childManifests + (a ? a.listed + a.manifests : 0) : 0) + (needsBlobs ? w.uniqueBlobs + (a?.blobs ?? 0) : 0);
  const auth = authPerHost * (hosts + 1);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const destinations = states.map((s) => destinationFloor(w, s));
  const hostDestinations = states.map((s) => destinationFloor(w, s, 'host'));
  return {
    auth,
    source,
    destinations,
    total: auth + source + sum(destinations),
    perHost: { destinations: hostDestinations, total: auth + source + sum(hostDestinations) },
  };
}

/** performance.md's model of upstream kpromo for one image of B blobs on K mirrors: K·(7+5B). */
export function upstreamModel(images: number, blobsPerImage: number, mirrors: number): number {
  return images * mirrors * (7 + 5 * blobsPerImage);
}

/**
 * The longest chain of dependent round trips a destination in `state` needs (performance.md §4's
 * time floor adds it × the round-trip time): auth (`authTrips`: GET /v2/, then a token when the
 * registry asks for one); the plan's tag list, with the top-level manifest read from the source
 * in parallel; for an empty or mountable destination, the child manifests (an index's), then
 * each blob (source GET and upload POST in parallel, then the upload PUT streaming the GET's
 * body, or one mount), then the child manifests' PUTs, then the top-level PUT.
 */
export function dependencyDepth(w: Workload, state: DestinationState, authTrips = 1): number {
  const plan = 1;
  if (state === 'present') return authTrips + plan;
  const children = w.childManifests > 0 ? 1 : 0;
  const blobs = state === 'empty' ? 2 : 1;
  return authTrips + plan + children + blobs + children + 1;
}

/** Inputs of the time floor. */
export interface TimeFloorInput {
  /** Requests per second each host allows (the run's per-host budget). */
  qps: number;
  /** Round-trip time to every registry, ms. */
  rttMs: number;
  /** Bytes per second each host can carry; undefined: not limited (loopback). */
  bandwidth?: number;
  /** Bytes of the unique blobs (what the source sends, and an empty destination receives). */
  uniqueBytes: number;
  /** Dependent auth round trips per host (1: GET /v2/ only, as on an open registry; 2 with a token). */
  authTrips?: number;
}

/** The time floor, split as in the formula. */
export interface TimeFloor {
  /** max over hosts of requests ÷ req/s, ms. */
  requestsMs: number;
  /** max over hosts of bytes ÷ bandwidth, ms. */
  bytesMs: number;
  depth: number;
  /** depth × round trip, ms. */
  depthMs: number;
  /** max(requestsMs, bytesMs) + depthMs. */
  totalMs: number;
}

/**
 * performance.md §4's time floor: `max over hosts of (requests_host ÷ rps_host, bytes_host ÷
 * bandwidth)` plus the dependency depth × the round trip. Hosts are the source (auth + source
 * reads, the unique bytes when a blob must be sent) and each destination (auth + its writes, the
 * unique bytes when it is empty).
 */
export function timeFloor(w: Workload, states: readonly DestinationState[], t: TimeFloorInput): TimeFloor {
  const f = requestFloor(w, states, t.authTrips ?? AUTH_PER_HOST);
  const perHost = [f.auth / (states.length + 1) + f.source, ...f.destinations.map((d) => f.auth / (states.length + 1) + d)];
  const requestsMs = (Math.max(...perHost) / t.qps) * 1000;
  const sends = states.some((s) => s === 'empty');
  const bytes = [sends ? t.uniqueBytes : 0, ...states.map((s) => (s === 'empty' ? t.uniqueBytes : 0))];
  const bytesMs = t.bandwidth ? (Math.max(...bytes) / t.bandwidth) * 1000 : 0;
  const depth = Math.max(0, ...states.map((s) => dependencyDepth(w, s, t.authTrips ?? 1)));
  const depthMs = depth * t.rttMs;
  return { requestsMs, bytesMs, depth, depthMs, totalMs: Math.max(requestsMs, bytesMs) + depthMs };
}

/**
 * One host's floor split by request kind, to show where a run spends above it. A key `a|b`
 * counts requests of either kind (the floor does not care which: a blob placed by a mount or by
 * an upload's PUT, a present image checked by a tag list or by HEADs).
 */
export type KindFloor = Record<string, number>;

/** Kinds grouped as `KindFloor` keys. */
export const KIND_GROUPS: readonly string[] = ['ping|token', 'tags|manifest-head', 'upload-put|blob-mount'];

/** The source host's floor by kind: its auth, then what `requestFloor` reads from it. */
export function sourceFloorByKind(w: Workload, states: readonly DestinationState[], authPerHost = AUTH_PER_HOST): KindFloor {
  const needsManifests = states.some((s) => s !== 'present');
  const needsBlobs = states.some((s) => s === 'empty');
  const a = needsManifests ? w.attachments : undefined;
  return {
    'ping|token': authPerHost,
    'manifest-get': needsManifests ? w.images + w.childManifests + (a?.manifests ?? 0) : 0,
    referrers: a?.listed ?? 0,
    'blob-get': needsBlobs ? w.uniqueBlobs + (a?.blobs ?? 0) : 0,
  };
}

/** A destination host's floor by kind (`destinationFloor` split), with its auth. */
export function destinationFloorByKind(w: Workload, state: DestinationState, authPerHost = AUTH_PER_HOST): KindFloor {
  const auth = { 'ping|token': authPerHost };
  if (state === 'present') return { ...auth, 'tags|manifest-head': Math.min(w.tags, w.repos) };
  const a = w.attachments;
  const aBlobs = a?.blobs ?? 0;
  return {
    ...auth,
    'upload-start': (state === 'empty' ? w.uniqueBlobs : 0) + aBlobs,
    'upload-put|blob-mount': (w.repoBlobs ?? w.uniqueBlobs) + aBlobs,
    'manifest-put': w.childManifests + w.tags + (a ? a.manifests + (a.referrersApi ? 0 : a.subjects) : 0),
  };
}

/** Requests above (positive) or below (negative) `floor`, by kind or kind group; zeros left out. */
export function aboveFloor(byKind: Partial<Record<string, number>>, floor: KindFloor): Record<string, number> {
  const out: Record<string, number> = {};
  const grouped = new Set<string>();
  for (const key of new Set([...Object.keys(floor), ...KIND_GROUPS])) {
    const kinds = key.split('|');
    for (const k of kinds) grouped.add(k);
    const diff = kinds.reduce((n, k) => n + (byKind[k] ?? 0), 0) - (floor[key] ?? 0);
    if (diff !== 0) out[key] = diff;
  }
  for (const [k, v] of Object.entries(byKind)) if (!grouped.has(k) && v) out[k] = v;
  return out;
}

/**
 * Reads that §4's floor leaves out by assuming "a plan phase that already knows what exists",
 * yet every promoter that refuses tag moves and carries attachments must make on a cold run:
 * the distribution API has no conditional manifest PUT, so before writing a tag a tool must learn
 * whether that tag exists (one tag list per destination repository, or a HEAD per tag, whichever
 * is fewer: what §4 already counts for a present destination); and before copying an image's
 * attachments it must learn whether there are any (one referrers-API probe per source host, then
 * one tag list per source repository for cosign tags and, without the API, the fallback tags).
 * Shown beside the floor, never added to it.
 */
export function learningReads(w: Workload, states: readonly DestinationState[], carriesAttachments: boolean): number {
  const writes = states.filter((s) => s !== 'present').length;
  const dest = writes * Math.min(w.tags, w.repos);
  return dest + (carriesAttachments && writes > 0 ? 1 + w.repos : 0);
}
