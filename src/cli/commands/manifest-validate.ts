/**
 * `kpromo manifest validate`: checks manifests offline and prints a summary. Image manifests with
 * `--manifest FILE` / `--thin-manifest-dir DIR` (parse, schema, overlapping edges); file-promotion
 * manifests as upstream takes them: `validate DIR` or `validate FILESTORES FILES`. Exit 0 valid,
 * 2 with every problem listed.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { addFlags, type FlagSpec, readFlags } from '../flags.js';
import { ExitCode, type CliIO, type SetExit } from '../io.js';

const FLAGS: FlagSpec[] = [
  { name: 'manifest', kind: 'string', arg: '<file>', description: 'a plain image manifest' },
  { name: 'thin-manifest-dir', kind: 'string', arg: '<dir>', description: 'a thin image manifest tree' },
];

/** Registers `kpromo manifest validate`. */
export function register(parent: Command, io: CliIO, setExit: SetExit): void {
  const cmd = parent
    .command('validate')
    .description('check manifests offline: image manifests (--manifest, --thin-manifest-dir) or file manifests (DIR, or FILESTORES FILES)')
    .argument('[paths...]', 'file manifests: a directory, or a filestores file and a files file or directory');
  addFlags(cmd, FLAGS);
  cmd.action(async (paths: string[], _opts: unknown, command: Command) => {
    const f = readFlags(command);
    const source = { manifest: f.str('manifest'), thinManifestDir: f.str('thin-manifest-dir') };
    const images = Boolean(source.manifest || source.thinManifestDir);
    if (paths.length > 2) f.fail('give a file manifest directory, or a filestores file and a files file or directory');
    if (!images && paths.length === 0) f.fail('give --manifest FILE, --thin-manifest-dir DIR, or file manifests (DIR, or FILESTORES FILES)');
    if (f.problems.length) throw new InputError(f.problems);
    const lines: string[] = [];
    if (images) {
      const { planOffline } = await import('../../plan/offline.js');
      const plan = await planOffline(source);
      for (const w of plan.warnings) io.stderr(`warning: ${w.file ? `${w.file}${w.line ? `:${w.line}` : ''}: ` : ''}${w.message}\n`);
      const s = plan.summary;
      lines.push(`image manifests valid: ${s.manifests} manifest${s.manifests === 1 ? '' : 's'}, ${s.images} images, ${s.digests} digests, ${s.tags} tags, ${s.edges} edges`);
    }
    if (paths.length) {
      const { validateFileManifests } = await import('../../manifest/file-manifest-load.js');
      const r = await validateFileManifests(paths);
      if (r.problems.length) throw new InputError(r.problems);
      lines.push(`file manifests valid: ${r.projects} project${r.projects === 1 ? '' : 's'}, ${r.filestores} filestores, ${r.files} files`);
    }
    io.stdout(`${lines.join('\n')}\n`);
    setExit(ExitCode.ok);
  });
}
