/**
 * `kpromo cip` promotion mode. `--parse-only` runs here (offline: manifests → edges → summary
 * and report); everything else runs the registry pipeline (cip-pipeline.ts), imported only then
 * (it loads the HTTP stack and every phase).
 */
import { formatProblem } from '../../errors.js';
import type { PlanSummary } from '../../plan/edges.js';
import { plural } from '../../plan/format.js';
import { buildReport, writeReport } from '../../report/report.js';
import type { CipOptions } from '../cip-options.js';
import { ExitCode } from '../io.js';
import type { CipContext } from './cip-context.js';
import { preflight } from './cip-preflight.js';
import { loadScopedPlan, shardReportField } from './cip-scope.js';

/** Runs promotion mode and returns the exit code. */
export async function runPromotion(opts: CipOptions, ctx: CipContext): Promise<number> {
  if (!opts.run.parseOnly) return (await import('./cip-pipeline.js')).runRegistryPromotion(opts, ctx);
  await preflight(opts, ctx.io.env, false);
  const plan = await loadScopedPlan(opts, ctx);
  for (const w of plan.warnings) ctx.logger.warn(formatProblem(w));
  if (plan.redundant) ctx.logger.debug('redundant promotions dropped (same digest, same destination)', { count: plan.redundant });
  ctx.io.stdout(formatPlanSummary(plan.summary));
  if (opts.run.reportFile) {
    const report = buildReport('parse-only', plan.summary, plan.edges, plan.warnings);
    const shard = shardReportField(opts, plan);
    if (shard) report.shard = shard;
    await writeReport(opts.run.reportFile, report);
    ctx.logger.info('report written', { file: opts.run.reportFile });
  }
  return ExitCode.ok;
}

/** The human summary of a plan, e.g. `15 manifests, 67 images, 1244 digests, 1258 tags: 28706 edges`. */
export function formatPlanSummary(s: PlanSummary): string {
  return (
    `parsed ${plural(s.manifests, 'manifest')}: ${plural(s.images, 'image')}, ${plural(s.digests, 'digest')}, ${plural(s.tags, 'tag')}\n` +
    `planned ${plural(s.edges, 'edge')} (image × digest × tag × destination); no registry was contacted\n`
  );
}
