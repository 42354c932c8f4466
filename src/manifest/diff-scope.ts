/**
 * Applies `--use-prow-manifest-diff` / `--manifest-diff-since` to loaded manifests: find the diff
 * base in git, read the manifests as they were there, and keep only the digests the change adds.
 * An empty diff keeps nothing (and says so): it never falls back to every image.
 */
import { dirname } from 'node:path';
import type { Logger } from '../log.js';
import { nullLogger } from '../log.js';
import { countDigests, diffManifests, filterManifests } from '../plan/diff-manifests.js';
import { diffBase } from './git.js';
import { loadPreviousManifests } from './previous.js';
import type { PromoterManifest } from './schema.js';

/** The two upstream flags that restrict a run to a git diff. */
export interface DiffScopeFlags {
  useProwManifestDiff?: boolean;
  /** A git `--since` window, e.g. "7 days". */
  manifestDiffSince?: string;
}

/** The manifests restricted to the diff, with counts for reporting. */
export interface DiffScope {
  manifests: PromoterManifest[];
  /** The revision diffed against; null = before the first commit. */
  base: string | null;
  /** Digests planned (added by the diff) out of all digests listed. */
  added: number;
  total: number;
}

/** Whether either diff flag is set. */
export function wantsDiffScope(flags: DiffScopeFlags): boolean {
  return Boolean(flags.useProwManifestDiff || flags.manifestDiffSince);
}

/** Restricts `manifests` to what the git change adds (see the file comment). */
export async function scopeToGitDiff(
  manifests: readonly PromoterManifest[],
  flags: DiffScopeFlags,
  opts: { env: NodeJS.ProcessEnv; logger?: Logger; signal?: AbortSignal },
): Promise<DiffScope> {
  const log = opts.logger ?? nullLogger;
  const total = countDigests(manifests);
  if (manifests.length === 0) return { manifests: [], base: null, added: 0, total };
  const cwd = dirname(manifests[0]!.file);
  const base = await diffBase({ since: flags.manifestDiffSince, prow: flags.useProwManifestDiff }, opts.env, { cwd, signal: opts.signal });
  const previous = await loadPreviousManifests(manifests, base, { logger: log, signal: opts.signal });
  const scoped = filterManifests(manifests, diffManifests(previous, manifests));
  const added = countDigests(scoped);
  const where = base ? base.rev : 'the empty tree';
  if (added === 0) log.info(`manifest diff against ${where} adds no digests: nothing to plan`, { base: where, total });
  else log.info(`manifest diff against ${where}: planning ${added} of ${total} digests`, { base: where, added, total });
  return { manifests: scoped, base: base?.rev ?? null, added, total };
}
