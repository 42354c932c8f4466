/**
 * The offline plan of a `kpromo cip` run, scoped to a git diff when `--use-prow-manifest-diff`
 * or `--manifest-diff-since` is set (only the digests the change adds are planned; an empty
 * diff plans nothing). Shared by `--parse-only` and the registry pipeline.
 */
import { loadManifests } from '../../manifest/load.js';
import { scopeToGitDiff, wantsDiffScope } from '../../manifest/diff-scope.js';
import { planFromManifests, planOffline, type OfflinePlan } from '../../plan/offline.js';
import type { CipOptions } from '../cip-options.js';
import type { CipContext } from './cip-context.js';

/** Loads the manifests of `opts`, applies the git-diff scope when asked, and computes edges. */
export async function loadScopedPlan(opts: CipOptions, ctx: CipContext, signal?: AbortSignal): Promise<OfflinePlan> {
  const m = opts.manifests;
  if (!wantsDiffScope(m)) return planOffline(m);
  const loaded = await loadManifests(m);
  const scoped = await scopeToGitDiff(loaded.manifests, m, { env: ctx.io.env, logger: ctx.logger, signal });
  return planFromManifests(scoped.manifests, loaded.warnings);
}
