/**
 * `kpromo policy`: `validate FILE` (exit 2 with file:line problems), `test POLICY CASES` (table
 * cases, as `opa test`; exit 1 when a case fails) and `check` (the decisions for the edges a git
 * change adds, offline, for a presubmit; exit 1 when any is denied).
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { caseFailures, loadCases, runCases } from '../../policy/cases.js';
import { formatDecisions, policyReport } from '../../policy/report.js';
import { loadVulnReports } from '../../policy/vulns.js';
import { vulnThresholdRule, withBuiltins } from '../../policy/builtin.js';
import { writeFile } from 'node:fs/promises';
import { addFlags, FlagReader, type FlagSpec, readFlags } from '../flags.js';
import { ExitCode, type CliIO, type SetExit } from '../io.js';
import { githubPrincipals, POLICY_FLAGS, readPolicyFlags } from '../policy-options.js';

const CHECK_FLAGS: FlagSpec[] = [
  { name: 'manifest', kind: 'string', arg: '<file>', description: 'plain promoter manifest file' },
  { name: 'thin-manifest-dir', kind: 'string', arg: '<dir>', description: 'thin manifest tree' },
  { name: 'base', kind: 'string', arg: '<rev>', description: 'git revision to diff against (default: the --use-prow-manifest-diff rule)' },
  { name: 'manifest-diff-since', kind: 'string', arg: '<window>', description: 'diff against the parent of the oldest commit in this git --since window' },
  { name: 'sign', kind: 'bool', default: true, description: 'decide the sign action too (as a signing run does)' },
  { name: 'vuln-severity-threshold', kind: 'int', arg: '<1..5>', default: -1, description: 'with --vuln-report: deny findings at or above this severity' },
  { name: 'report-file', kind: 'string', arg: '<file>', description: 'write the decisions as JSON' },
  ...POLICY_FLAGS,
];

const reader = (command: Command): FlagReader => readFlags(command);

/** loadPolicy, imported on first use: the CEL engine it compiles conditions with costs ≈ 0.1 s of start-up. */
async function policyLoader(): Promise<typeof import('../../policy/load.js').loadPolicy> {
  return (await import('../../policy/load.js')).loadPolicy;
}

/** Registers `kpromo policy` and its subcommands. */
export function register(program: Command, io: CliIO, setExit: SetExit): void {
  const policy = program.command('policy').description('promotion policies: validate, test with table cases, check a git change');
  policy
    .command('validate')
    .argument('<policy>', 'policy file')
    .description('validate a policy file (unknown fields, CEL syntax and type errors, with file:line)')
    .action(async (file: string) => {
      await (await policyLoader())(file);
      io.stdout(`${file}: valid\n`);
      setExit(ExitCode.ok);
    });
  policy
    .command('test')
    .argument('<policy>', 'policy file')
    .argument('<cases>', 'YAML table of cases: input attributes and the expected allow/deny')
    .description('run table cases against a policy (exit 1 when one fails)')
    .action(async (file: string, casesFile: string) => {
      const results = runCases(await (await policyLoader())(file), await loadCases(casesFile));
      for (const r of results) io.stdout(`${r.pass ? 'PASS' : 'FAIL'} ${r.case.name}: ${r.decision.allowed ? 'allow' : 'deny'} by ${r.decision.rule}\n`);
      const failures = caseFailures(casesFile, results);
      for (const f of failures) io.stderr(`${f.file}:${f.line}: ${f.message}\n`);
      io.stdout(`${results.length - failures.length} passed, ${failures.length} failed\n`);
      setExit(failures.length ? ExitCode.failed : ExitCode.ok);
    });
  const check = policy
    .command('check')
    .description('decide, offline, the edges a git change adds (for a presubmit; exit 1 when any is denied)')
    .addHelpText('after', '\nExit codes: 0 every edge allowed, 1 an edge denied, 2 invalid input (policy, manifests, flags, git).');
  addFlags(check, CHECK_FLAGS);
  check.action(async (_o: unknown, command: Command) => setExit(await runCheck(reader(command), io)));
}

async function runCheck(f: FlagReader, io: CliIO): Promise<number> {
  const p = readPolicyFlags(f, io.env);
  const manifest = f.str('manifest');
  const thinManifestDir = f.str('thin-manifest-dir');
  const threshold = f.int('vuln-severity-threshold', -(2 ** 31), 5);
  const sign = f.bool('sign');
  const reportFile = f.str('report-file');
  if (!p.file) f.fail('policy check needs --policy FILE');
  if (!manifest && !thinManifestDir) f.fail('give --manifest FILE or --thin-manifest-dir DIR');
  if (f.problems.length) throw new InputError(f.problems);
  const loaded = await (await policyLoader())(p.file!);
  const vulns = p.vulnReport ? await loadVulnReports(p.vulnReport) : undefined;
  const policy = withBuiltins(loaded, vulns && threshold > 0 ? [vulnThresholdRule(threshold)] : []);
  const { policyCheck } = await import('./policy-check.js');
  const result = await policyCheck({
    manifests: { manifest, thinManifestDir },
    base: { rev: f.str('base'), since: f.str('manifest-diff-since'), prow: true },
    policy,
    request: { principal: p.principal, groups: p.groups, github: await githubPrincipals(p, io.env) },
    vulns,
    actions: sign ? ['promote', 'sign'] : ['promote'],
    env: io.env,
  });
  io.stdout(`policy check against ${result.base ?? 'the empty tree'}:\n`);
  io.stdout(formatDecisions(result.decisions));
  if (reportFile) await writeFile(reportFile, `${JSON.stringify({ base: result.base, policy: policyReport(loaded.file, result.decisions) }, null, 2)}\n`);
  return result.decisions.some((d) => !d.decision.allowed) ? ExitCode.failed : ExitCode.ok;
}
