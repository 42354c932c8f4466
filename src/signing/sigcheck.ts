/**
 * `kpromo sigcheck`'s core: for each (registry, image, digest), whether a signature that verifies
 * under the policy is there, and — with `fix` — copying a valid `.sig` from another registry
 * holding the same digest to those that lack one (copies, never signs again).
 */
import pLimit from 'p-limit';
import { errorMessage } from '../errors.js';
import type { Digest, RepoRef } from '../image/ref.js';
import { isIndexMediaType, type RegistryClient } from '../registry/types.js';
import { checkSignatures } from './check.js';
import { copySignatures } from './sig-store.js';
import type { Verifier } from './types.js';
import { indexEntries } from '../registry/manifest-json.js';

/** One image to check: `reference` is `registry/image` as written by the user or manifest. */
export interface SigcheckTarget {
  repo: RepoRef;
  reference: string;
  digest: Digest;
}

/** The finding for one target. */
export interface SigcheckResult extends SigcheckTarget {
  status: 'signed' | 'missing' | 'invalid' | 'fixed' | 'absent' | 'error';
  detail?: string;
}

/** The detail of a `missing` finding. */
export const NO_SIGNATURE = 'no signature: neither a .sig tag nor a signature bundle among the referrers';

/** Checks every target (bounded by `concurrency`); with `fix`, copies valid signatures to the ones missing them. */
export async function sigcheck(
  deps: { client: RegistryClient; verifier: Verifier },
  targets: readonly SigcheckTarget[],
  opts: { fix: boolean; concurrency: number; signal?: AbortSignal },
): Promise<SigcheckResult[]> {
  const limit = pLimit(opts.concurrency);
  const check = async (t: SigcheckTarget): Promise<SigcheckResult> => {
    try {
      if (!(await deps.client.headManifest(t.repo, t.digest, { signal: opts.signal }))) return { ...t, status: 'absent' };
      const out = await checkSignatures(deps, t.repo, t.digest, { require: false, signal: opts.signal });
      if (out.status === 'verified') return { ...t, status: 'signed', detail: out.signer.identity };
      if (out.status === 'unsigned') return { ...t, status: 'missing', detail: NO_SIGNATURE };
      return { ...t, status: 'invalid', detail: out.reason };
    } catch (err) {
      return { ...t, status: 'error', detail: errorMessage(err) };
    }
  };
  const results = await Promise.all(targets.map((t) => limit(() => check(t))));
  if (!opts.fix) return results;
  const donors = new Map<string, SigcheckResult>();
  for (const r of results) if (r.status === 'signed' && !donors.has(r.digest)) donors.set(r.digest, r);
  return Promise.all(
    results.map((r) =>
      limit(async () => {
        const from = donors.get(r.digest);
        if ((r.status !== 'missing' && r.status !== 'invalid') || !from) return r;
        try {
          await copySignatures(deps.client, from.repo, r.repo, r.digest, { signal: opts.signal });
          const again = await check(r);
          return again.status === 'signed' ? { ...again, status: 'fixed' as const, detail: `copied from ${from.reference}` } : again;
        } catch (err) {
          return { ...r, status: 'error' as const, detail: `copy from ${from.reference} failed: ${errorMessage(err)}` };
        }
      }),
    ),
  );
}

/** Adds the children of every index target (they are signed too), each once. */
export async function withIndexChildren(client: RegistryClient, targets: readonly SigcheckTarget[], signal?: AbortSignal): Promise<SigcheckTarget[]> {
  const out = new Map<string, SigcheckTarget>();
  const key = (t: SigcheckTarget) => `${t.repo.host}/${t.repo.repository}@${t.digest}`;
  for (const t of targets) {
    out.set(key(t), t);
    // Only an index has children: the HEAD's media type spares the GET of every other manifest.
    const head = await client.headManifest(t.repo, t.digest, { signal });
    if (!head || !isIndexMediaType(head.mediaType)) continue;
    const m = await client.getManifest(t.repo, t.digest, { signal });
    for (const c of indexEntries(m.bytes)) {
      const ct = { ...t, digest: c.digest };
      if (!out.has(key(ct))) out.set(key(ct), ct);
    }
  }
  return [...out.values()];
}
