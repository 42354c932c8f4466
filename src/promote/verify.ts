/**
 * Verification after the copy: every (image, destination) the run wrote is read back with one
 * HEAD (tag → expected digest, or the digest for tagless), which also closes the window in which
 * another writer could have moved a tag (performance.md §5, "re-HEAD after the PUT").
 */
import { errorMessage } from '../errors.js';
import { edgeKey, type Edge } from '../plan/edge.js';
import { DEFAULT_REQUESTS_PER_HOST, dstRepo } from '../plan/inventory.js';
import { HostLimits } from '../plan/host-limits.js';
import type { RegistryClient } from '../registry/types.js';

/** Checks each edge's destination; returns the problem of every edge that does not hold what it should. */
export async function verifyEdges(
  client: RegistryClient,
  edges: readonly Edge[],
  opts: { perHost?: number; signal?: AbortSignal },
): Promise<Map<string, string>> {
  const limits = new HostLimits(opts.perHost ?? DEFAULT_REQUESTS_PER_HOST);
  const problems = new Map<string, string>();
  await Promise.all(
    edges.map((e) =>
      limits.run(dstRepo(e).host, async () => {
        const ref = e.tag ?? e.digest;
        try {
          const info = await client.headManifest(dstRepo(e), ref, { signal: opts.signal, side: 'destination' });
          if (!info) problems.set(edgeKey(e), `verification: ${ref} is missing after the copy`);
          else if (info.digest !== e.digest) problems.set(edgeKey(e), `verification: ${ref} points at ${info.digest}, expected ${e.digest}`);
        } catch (err) {
          problems.set(edgeKey(e), `verification: ${errorMessage(err)}`);
        }
      }),
    ),
  );
  return problems;
}
