/**
 * The offline plan of a `kpromo cip` run, scoped to a git diff when `--use-prow-manifest-diff`
 * or `--manifest-diff-since` is set (only the digests the change adds are planned; an empty
 * diff plans nothing), then cut to this process's shard with `--shard` (only its images are
 * planned, so the plan reads only the repositories they go to). Shared by `--parse-only` and
 * the registry pipeline.
 */
import { loadManifests } from '../../manifest/load.js';
import { scopeToGitDiff, wantsDiffScope } from '../../manifest/diff-scope.js';
import { planFromManifests, planOffline, type OfflinePlan } from '../../plan/offline.js';
import { shardPlan } from '../../plan/shard.js';
import type { PlanSummary } from '../../plan/edges.js';
import type { CipOptions } from '../cip-options.js';
import type { CipContext } from './cip-context.js';

/** Loads the manifests of `opts`, applies the git-diff scope and the shard when asked, and computes edges. */
export async function loadScopedPlan(opts: CipOptions, ctx: CipContext, signal?: AbortSignal): Promise<OfflinePlan> {
  const plan = await loadDiffScopedPlan(opts, ctx, signal);
  const shard = opts.run.shard;
  if (!shard) return plan;
  const part = shardPlan(plan, shard);
  ctx.logger.info(`shard ${shard.index}/${shard.count}: planning ${part.summary.digests} of ${plan.summary.digests} digests (${part.edges.length} of ${plan.edges.length} edges)`, {
    shard: `${shard.index}/${shard.count}`,
  });
  return part;
}

/** What the report says about the shard of a run: its index, count, and the whole plan's summary. */
export function shardReportField(opts: CipOptions, plan: OfflinePlan | undefined): { index: number; count: number; run?: string; total?: PlanSummary } | undefined {
  const shard = opts.run.shard;
  if (!shard) return undefined;
  const total = (plan as (OfflinePlan & { total?: PlanSummary }) | undefined)?.total;
  return { index: shard.index, count: shard.count, ...(opts.run.runId ? { run: opts.run.runId } : {}), ...(total ? { total } : {}) };
}

async function loadDiffScopedPlan(opts: CipOptions, ctx: CipContext, signal?: AbortSignal): Promise<OfflinePlan> {
  const m = opts.manifests;
  if (!wantsDiffScope(m)) return planOffline(m);
  const loaded = await loadManifests(m);
  const scoped = await scopeToGitDiff(loaded.manifests, m, { env: ctx.io.env, logger: ctx.logger, signal });
  return { ...planFromManifests(scoped.manifests, loaded.warnings), diffBase: scoped.base };
}
