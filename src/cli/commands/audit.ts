/**
 * `kpromo audit [--manifest F | --thin-manifest-dir D]`: compares every destination of the
 * manifests with what the registries hold (missing, tag moved, unexpected, unsigned, unattested,
 * unreadable). Prints a table, writes `--report-file` JSON; exit 1 on findings, 0 when clean, 2
 * for bad input. `--fix` promotes the missing ones (a normal promotion: nothing is moved or
 * deleted). `kpromo audit serve` (audit-serve.ts) is the long-running service built on it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ManifestSource } from '../../manifest/schema.js';
import { addFlags, type FlagSpec, readFlags } from '../flags.js';
import { createCliLogger } from '../log-setup.js';
import { ExitCode, type CliIO, type SetExit } from '../io.js';
import { POLICY_FLAGS, readPolicyFlags } from '../policy-options.js';
import { policyConfigOf } from './policy-config.js';
import type { PolicyConfig } from '../../pipeline/phases/policy.js';
import { readNetworkOptions, type NetworkSettings } from '../network-options.js';
import { AUDIT_READ_FLAGS, readTrustExpectations } from './audit-options.js';
import * as serve from './audit-serve.js';
import type { TrustExpectations } from '../../audit/read.js';

/** Flags of the one-shot audit only. */
const ONE_SHOT_FLAGS: FlagSpec[] = [
  { name: 'report-file', kind: 'string', arg: '<file>', description: 'write the findings as JSON to this file' },
  { name: 'fix', kind: 'bool', description: 'promote the missing images (never moves a tag or deletes anything)' },
  ...POLICY_FLAGS.map((s) => ({ ...s, description: `with --fix: ${s.description}` })),
];

const FLAGS: FlagSpec[] = [
  { name: 'manifest', kind: 'string', arg: '<file>', description: 'audit every destination of this manifest (serve: reloaded when it changes)' },
  { name: 'thin-manifest-dir', kind: 'string', arg: '<dir>', description: 'audit every destination of this thin manifest tree (serve: reloaded when it changes)' },
  ...ONE_SHOT_FLAGS,
  ...AUDIT_READ_FLAGS,
];

/** Options of one audit. */
export interface AuditOptions {
  manifests: ManifestSource;
  reportFile?: string;
  fix: boolean;
  /** The policy that decides what --fix promotes (as `kpromo cip --policy` does). */
  policy?: PolicyConfig;
  trust: TrustExpectations;
  requestsPerHost: number;
  network: NetworkSettings;
}

/** Registers `kpromo audit [serve]`. */
export function register(program: Command, io: CliIO, setExit: SetExit): void {
  const cmd = program
    .command('audit')
    .description('report where the registries differ from the manifests (exit 1 on findings); `audit serve` watches registry events and alerts')
    .addHelpText(
      'after',
      '\nExit codes: 0 the registries match the manifests, 1 findings (or --fix left some), 2 invalid input.\n' +
        'audit serve: 0 stopped by SIGINT/SIGTERM after finishing the events in hand, 2 invalid input or unusable address.',
    );
  // `serve` is an argument, not a subcommand: commander would give a subcommand's flags of the
  // same names (--manifest, …) to `audit` itself
  cmd.argument('[mode]', '"serve" runs the auditor service (flags marked [serve]); without it, one audit');
  addFlags(cmd, [...FLAGS, ...serve.SERVE_FLAGS]);
  cmd.action(async (mode: string | undefined, _opts: unknown, command: Command) => {
    const f = readFlags(command);
    const globals = command.optsWithGlobals();
    const logger = createCliLogger({ level: String(globals.logLevel ?? 'info'), format: String(globals.logFormat ?? 'text'), write: io.stderr });
    if (mode !== undefined && mode !== 'serve') throw new InputError([{ message: `unknown audit mode ${JSON.stringify(mode)}: the only one is "serve"` }]);
    const others = mode === 'serve' ? ONE_SHOT_FLAGS : serve.SERVE_FLAGS;
    for (const s of others) if (f.explicit(s.name)) f.fail(`--${s.name} is a flag of ${mode === 'serve' ? 'kpromo audit (one shot)' : 'kpromo audit serve'}`);
    if (mode === 'serve') return serve.runServeCommand(f, io, logger, setExit);
    const manifest = f.str('manifest');
    const thin = f.str('thin-manifest-dir');
    if (!manifest && !thin) f.fail('give --manifest FILE or --thin-manifest-dir DIR');
    const policyFlags = readPolicyFlags(f, io.env);
    for (const s of POLICY_FLAGS) if (f.explicit(s.name) && !f.bool('fix')) f.fail(`--${s.name} decides what --fix promotes: give it with --fix`);
    if (f.problems.length) throw new InputError(f.problems);
    const options: AuditOptions = {
      manifests: { manifest, thinManifestDir: thin },
      reportFile: f.str('report-file'),
      fix: f.bool('fix'),
      trust: readTrustExpectations(f),
      // The policy is read and checked before any request (exit 2), like cip's.
      policy: await policyConfigOf(policyFlags, -1, false, undefined, io.env),
      requestsPerHost: f.int('requests-per-host', 1, 1000),
      network: readNetworkOptions(f),
    };
    if (f.problems.length) throw new InputError(f.problems);
    setExit(await runAudit(options, io, logger));
  });
}

/** Runs one audit (and the fix); returns the exit code. */
export async function runAudit(options: AuditOptions, io: CliIO, logger: Logger): Promise<number> {
  const [{ planOffline }, { auditRegistries, formatAudit, missingEdges }, { createNetworkedClient }] = await Promise.all([
    import('../../plan/offline.js'),
    import('../../audit/audit.js'),
    import('../network-client.js'),
  ]);
  const plan = await planOffline(options.manifests);
  for (const w of plan.warnings) logger.warn(w.message);
  const { client, network } = createNetworkedClient(options.network, { logger, env: io.env });
  try {
    const read = { perHost: options.requestsPerHost, trust: options.trust };
    let report = await auditRegistries(client, plan.edges, read);
    io.stdout(formatAudit(report));
    const missing = missingEdges(plan.edges, report.findings);
    if (options.fix && missing.length > 0) {
      const { runPromotion } = await import('../../pipeline/promoter.js');
      logger.info(`--fix: promoting ${missing.length} missing edges`);
      // the audit read these edges missing: the plan checks them again by HEAD instead of taking a
      // tagless digest present because the repository still lists its signature
      const r = await runPromotion(
        { manifests: options.manifests, confirm: true, parseOnly: false, requestsPerHost: options.requestsPerHost, verifyExisting: true },
        { registry: client, logger, stats: () => network.stats(), loadPlan: async () => ({ ...plan, edges: missing }) },
        { policy: options.policy },
      );
      const promoted = r.state.outcomes?.filter((o) => o.outcome === 'promoted').length ?? 0;
      io.stdout(`fix: promoted ${promoted} of ${missing.length} missing${r.failure ? ` (${r.failure.message})` : ''}\n`);
      report = await auditRegistries(client, plan.edges, read);
      io.stdout(`after --fix:\n${formatAudit(report)}`);
    }
    if (options.reportFile) {
      await mkdir(dirname(options.reportFile), { recursive: true });
      await writeFile(options.reportFile, `${JSON.stringify(report, null, 2)}\n`);
    }
    return report.findings.length > 0 ? ExitCode.failed : ExitCode.ok;
  } finally {
    await client.close();
    await network.close();
  }
}
