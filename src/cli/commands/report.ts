/**
 * `kpromo report merge FILE...`: combines the reports of the shards of one run (`--shard`) into
 * one report of the same schema (src/report/merge.ts), written to --output or stdout. Exit 1 when
 * any shard failed, was interrupted or is missing (after the merged report is written), 2 when
 * the files are not reports of one sharded run.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { InputError, RunFailedError } from '../../errors.js';
import { mergeReports, type NamedReport } from '../../report/merge.js';
import { writeReport, type Report } from '../../report/report.js';
import { addFlags, readFlags } from '../flags.js';
import { ExitCode, type CliIO, type SetExit } from '../io.js';

/** Registers `kpromo report` and its `merge` subcommand. */
export function register(program: Command, io: CliIO, setExit: SetExit): void {
  const report = program.command('report').description('work with run reports (--report-file)');
  const merge = report
    .command('merge')
    .description('combine the reports of the shards of one run (--shard INDEX/COUNT) into one report')
    .argument('<file...>', 'shard reports (one per shard)')
    .addHelpText('after', '\nExit codes: 0 every shard succeeded, 1 a shard failed, was interrupted or has no report, 2 the files are not reports of one sharded run.');
  addFlags(merge, [{ name: 'output', kind: 'string', arg: '<file>', description: 'write the merged report here (default: stdout)' }]);
  merge.action(async (files: string[], _opts: unknown, command: Command) => {
    const f = readFlags(command);
    const output = f.str('output');
    if (f.problems.length) throw new InputError(f.problems);
    setExit(await runMerge(files, output, io));
  });
}

/** Reads, merges and writes; returns the exit code or throws RunFailedError (exit 1) after writing. */
export async function runMerge(files: readonly string[], output: string | undefined, io: CliIO): Promise<number> {
  const inputs = await Promise.all(files.map(readReport));
  const merged = mergeReports(inputs);
  if (output) await writeReport(output, merged.report);
  else io.stdout(JSON.stringify(merged.report, null, 2) + '\n');
  const counts = (merged.report.counts ?? {}) as Record<string, number>;
  const parts = Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  io.stderr(`merged ${files.length} report${files.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}${output ? `; written to ${output}` : ''}\n`);
  if (merged.failure) throw new RunFailedError('RUN_FAILED', `merged run failed: ${merged.failure}`);
  return ExitCode.ok;
}

async function readReport(file: string): Promise<NamedReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError([{ message: `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  }
  try {
    return { file, report: JSON.parse(text) as Report };
  } catch (err) {
    throw new InputError([{ message: `${file}: not JSON (${(err as Error).message})` }]);
  }
}
