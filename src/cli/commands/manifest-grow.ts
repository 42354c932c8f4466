/**
 * `kpromo manifest grow`: adds the digests and tags a staging repository holds (filtered) to the
 * images file of the manifest whose source it is, keeping the file's comments, order and style.
 * `--dry-run` prints the diff and writes nothing. Exit 0 (also when nothing was missing), 2 for
 * bad input, a refused tag move, or filters that match nothing.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import type { GrowFilters } from '../../manifest/grow.js';
import type { GrowTarget } from '../../manifest/grow-file.js';
import { addFlags, FlagReader, type FlagSpec, readFlags } from '../flags.js';
import { createCliLogger } from '../log-setup.js';
import { ExitCode, type CliIO, type SetExit } from '../io.js';
import { NETWORK_FLAGS, readNetworkOptions } from '../network-options.js';

/** The filters shared by `manifest grow` and `pr`. */
export const FILTER_FLAGS: FlagSpec[] = [
  { name: 'image', kind: 'list', arg: '<glob>', description: 'only images matching this glob (repeatable)' },
  { name: 'tag', kind: 'list', arg: '<glob>', description: 'only tags matching this glob (repeatable; "latest" is never promoted)' },
  { name: 'digest', kind: 'list', arg: '<digest>', description: 'only this digest (repeatable)' },
];

const FLAGS: FlagSpec[] = [
  { name: 'manifest', kind: 'string', arg: '<file>', description: 'a plain manifest to grow' },
  { name: 'thin-manifest-dir', kind: 'string', arg: '<dir>', description: 'a thin manifest tree; the manifest whose source is the staging repository is grown' },
  { name: 'staging-repo', kind: 'string', arg: '<registry/path>', description: 'the staging repository to read (picks the manifest with this source)' },
  { name: 'project', kind: 'string', arg: '<name>', description: 'picks the manifest of gcr.io/k8s-staging-<name> (or the project folder k8s-staging-<name>)' },
  ...FILTER_FLAGS,
  { name: 'dry-run', kind: 'bool', description: 'print the diff, write nothing' },
  ...NETWORK_FLAGS,
];

/** Registers `kpromo manifest grow`. */
export function register(parent: Command, io: CliIO, setExit: SetExit): void {
  const cmd = parent.command('grow').description('add the digests and tags of a staging repository to the images file of its manifest');
  addFlags(cmd, FLAGS);
  cmd.action(async (_opts: unknown, command: Command) => {
    const f = readFlags(command);
    const globals = command.optsWithGlobals();
    const logger = createCliLogger({ level: String(globals.logLevel ?? 'info'), format: String(globals.logFormat ?? 'text'), write: io.stderr });
    const source = { manifest: f.str('manifest'), thinManifestDir: f.str('thin-manifest-dir') };
    if (!source.manifest && !source.thinManifestDir) f.fail('give --manifest FILE or --thin-manifest-dir DIR');
    const target: GrowTarget = { stagingRepo: f.str('staging-repo'), project: f.str('project') };
    if (target.stagingRepo && target.project) f.fail('--staging-repo and --project both pick the manifest: give one of them');
    const filters = readFilters(f);
    const dryRun = f.bool('dry-run');
    const network = readNetworkOptions(f);
    if (f.problems.length) throw new InputError(f.problems);
    const [{ createNetworkedClient }, { growManifest }] = await Promise.all([import('../network-client.js'), import('../../manifest/grow-file.js')]);
    const { client, network: net } = createNetworkedClient(network, { logger, env: io.env });
    try {
      const r = await growManifest(client, source, target, filters, { dryRun });
      for (const s of r.skipped) logger.debug(`skipped ${s}`);
      if (r.skipped.length) logger.info(`skipped ${r.skipped.length} digest${r.skipped.length === 1 ? '' : 's'} or image${r.skipped.length === 1 ? '' : 's'} (index children, mock/ images); --log-level debug lists them`);
      if (!r.diff) io.stderr(`${r.file}: nothing to add from ${r.stagingRepo}\n`);
      else if (dryRun) io.stdout(r.diff);
      else io.stderr(`${r.file}: added ${describe(r.additions)} from ${r.stagingRepo}\n`);
      setExit(ExitCode.ok);
    } finally {
      await client.close();
      await net.close();
    }
  });
}

/** The filter flags, with `latest` refused. */
export function readFilters(f: FlagReader): GrowFilters {
  const filters: GrowFilters = { images: f.list('image'), tags: f.list('tag'), digests: f.list('digest') };
  if (filters.tags!.includes('latest')) f.fail('--tag latest: the "latest" tag is never promoted; give a version tag');
  return filters;
}

function describe(additions: readonly { tags: string[] }[]): string {
  const tags = additions.reduce((n, a) => n + a.tags.length, 0);
  return `${additions.length} digest entr${additions.length === 1 ? 'y' : 'ies'} (${tags} tag${tags === 1 ? '' : 's'})`;
}
