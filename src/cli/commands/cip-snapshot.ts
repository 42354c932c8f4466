/**
 * `kpromo cip --snapshot REG[/path]` / `--manifest-based-snapshot-of REG`: prints a registry's
 * inventory (read, or expected from the manifests) in upstream's YAML or CSV on stdout.
 * Progress goes to stderr on a terminal only, so stdout stays a clean snapshot.
 */
import { formatProblem } from '../../errors.js';
import { loadManifests } from '../../manifest/load.js';
import type { RegistryClient } from '../../registry/types.js';
import { takeSnapshot } from '../../snapshot/snapshot.js';
import type { CipOptions } from '../cip-options.js';
import { createNetworkedClient } from '../network-client.js';
import { ExitCode } from '../io.js';
import { ProgressRenderer } from '../progress.js';
import { stderrLines, type CipContext } from './cip-context.js';

/** Runs snapshot mode and returns the exit code; `client` overrides the HTTP client (tests). */
export async function runSnapshot(opts: CipOptions, ctx: CipContext, client?: RegistryClient): Promise<number> {
  const { io, logger } = ctx;
  // the same network policy (per-host budgets, retries) as a promotion: a snapshot of a big
  // registry is thousands of reads
  const net = client ? undefined : createNetworkedClient(opts.network, { logger, env: io.env });
  const own = client ?? net!.client;
  const progress = new ProgressRenderer({ write: io.isTTY ? io.stderr : stderrLines(ctx, 'info'), isTTY: io.isTTY, terminal: ctx.terminal });
  try {
    const text = await takeSnapshot(
      {
        snapshot: opts.snapshot.registry,
        manifestBasedSnapshotOf: opts.snapshot.manifestBasedOf,
        snapshotTag: opts.snapshot.tag,
        minimalSnapshot: opts.snapshot.minimal,
        output: opts.snapshot.output,
      },
      {
        client: own,
        logger,
        progress,
        loadManifests: async () => {
          const loaded = await loadManifests(opts.manifests);
          for (const w of loaded.warnings) logger.warn(formatProblem(w));
          return loaded.manifests;
        },
      },
    );
    progress.finish();
    // upstream prints with fmt.Println: the rendering plus one newline
    io.stdout(`${text}\n`);
    return ExitCode.ok;
  } finally {
    progress.finish();
    if (!client) await own.close();
    await net?.network.close();
  }
}
