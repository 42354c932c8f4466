/**
 * `kpromo cip` against registries: wires the real registry client (undici transport under the
 * network policy, docker-config credentials) into the promotion pipeline, prints the plan on a
 * dry run and the outcomes after a promotion, writes the report, and turns a partly failed run
 * into exit 1 (after the report is written).
 */
import { buildTrustConfig } from '../trust-config.js';
import { runPromotion as promote } from '../../pipeline/promoter.js';
import type { PromotionDeps } from '../../pipeline/state.js';
import { formatOutcomes, formatPlan } from '../../plan/format.js';
import { writeReport } from '../../report/report.js';
import { formatTrust } from '../../report/trust-text.js';
import { formatAttachments } from '../../referrers/summary.js';
import type { CipOptions } from '../cip-options.js';
import { createNetworkedClient } from '../network-client.js';
import { credentialEnv } from '../network-options.js';
import { ExitCode } from '../io.js';
import { formatSummary, ProgressRenderer } from '../progress.js';
import { logFailureCauses } from '../diagnose.js';
import { stopOnSignals, type SignalStop } from '../signals.js';
import { stderrLines, type CipContext } from './cip-context.js';
import { preflight } from './cip-preflight.js';
import { loadScopedPlan, shardReportField } from './cip-scope.js';
import { wantsDiffScope } from '../../manifest/diff-scope.js';
import { formatDecisions } from '../../policy/report.js';
import { buildPolicyConfig } from './policy-config.js';

/** Extra wiring for tests and other phases: replace the registry client or the offline plan. */
export type PipelineOverrides = Partial<Pick<PromotionDeps, 'registry' | 'loadPlan' | 'progress'>>;

/**
 * Runs the promotion pipeline for `opts`; returns the exit code, or throws RunFailedError (exit 1)
 * after writing the report. SIGINT/SIGTERM stop the run (signals.ts): the report is written with
 * every edge marked, the summary goes to stderr, and the exit code is 130/143.
 */
export async function runRegistryPromotion(opts: CipOptions, ctx: CipContext, overrides: PipelineOverrides = {}): Promise<number> {
  const stop = stopOnSignals(stderrLines(ctx, 'warn'));
  try {
    return await run(opts, ctx, overrides, stop);
  } finally {
    stop.dispose();
  }
}

async function run(opts: CipOptions, ctx: CipContext, overrides: PipelineOverrides, stop: SignalStop): Promise<number> {
  const { io, logger } = ctx;
  // The manifests first (offline): bad input is reported before anything about signing or registries.
  const planned = overrides.loadPlan ? undefined : await loadScopedPlan(opts, ctx, stop.signal);
  // The report's folder and the credential files, checked before anything else (exit 2).
  await preflight(opts, io.env, true);
  // Signing identity, verification material and policy; a --confirm run without any signing
  // identity (and without --sign=false) fails here with exit 2, before any registry is touched.
  const trust = opts.run.parseOnly ? undefined : await buildTrustConfig(opts, io.env, logger);
  // The policy file and vulnerability reports, validated before any request (exit 2). A run
  // that signs decides `sign` too, in its dry run as well (whether or not it has a signer yet).
  const policy = await buildPolicyConfig(opts, io.env);
  // a run scoped to a change decides it with OWNERS as they were before the change
  if (policy && planned?.diffBase !== undefined) policy.request = { ...policy.request, ownersAt: planned.diffBase };
  // Per-host budgets, AIMD and retries from the network flags (--registry-qps etc.).
  const { client, network: net, credentialSources } = createNetworkedClient(opts.network, { logger, env: io.env });
  const registry = overrides.registry ?? client;
  // a status line per phase on a terminal, nothing otherwise
  const progress = new ProgressRenderer({ write: io.isTTY ? io.stderr : stderrLines(ctx, 'info'), isTTY: io.isTTY, terminal: ctx.terminal });
  try {
    const result = await promote(
      {
        manifests: opts.manifests,
        confirm: opts.run.confirm,
        parseOnly: opts.run.parseOnly,
        reportDetail: opts.run.reportDetail,
        requestsPerHost: opts.run.requestsPerHost,
        writesPerHost: opts.run.writesPerHost,
        // a run scoped to a git diff plans changed digests only: each of their listed tags is verified
        verifyExisting: opts.run.verifyExisting === true || wantsDiffScope(opts.manifests),
      },
      { loadPlan: async () => planned!, progress, ...overrides, registry, logger, stats: () => net.stats(), retry: net.retry },
      { signal: stop.signal, trust, policy },
    );
    const phases = progress.finish();
    if (io.isTTY) io.stderr(`done: ${formatSummary(phases)}\n`);
    const { state } = result;
    logFailureCauses(state, logger, credentialEnv(io.env, opts.network));
    if (state.outcomes) io.stdout(formatOutcomes(state.outcomes));
    else if (state.plan) {
      io.stdout(formatPlan(state.plan));
      if (!opts.run.confirm) io.stdout('dry run: nothing was written; pass --confirm to promote\n');
    }
    if (state.trust) io.stdout(formatTrust(state.trust));
    io.stdout(formatAttachments(state.attachments, state.attachmentPlan));
    if (state.policy) io.stdout(formatDecisions(state.policy.decisions, { deniedOnly: true }));
    if (opts.run.reportFile) {
      // which source authenticated each registry host (never the secret)
      const credentials = credentialSources();
      if (credentials.length) result.report.credentials = credentials;
      const shard = shardReportField(opts, planned);
      if (shard) result.report.shard = shard;
      await writeReport(opts.run.reportFile, result.report);
      logger.info('report written', { file: opts.run.reportFile });
    }
    const code = stop.exitCode();
    if (result.interrupted && code !== undefined) {
      stderrLines(ctx, 'warn')(`${result.failure?.message ?? result.interrupted.reason}${opts.run.reportFile ? `; report: ${opts.run.reportFile}` : ''}\n`);
      return code;
    }
    if (result.failure) throw result.failure;
    return ExitCode.ok;
  } finally {
    progress.finish(); // ends a status line left open by a failed phase
    await client.close();
    await net.close();
  }
}
