/**
 * `kpromo demo`: the embedded default. Promotes sample images from an in-process staging
 * registry to three in-process mirrors with `kpromo cip`, twice, and shows where they went.
 */
import type { Command } from 'commander';
import type { CliIO, SetExit } from '../io.js';

/** Registers `kpromo demo` on `program`. */
export function register(program: Command, io: CliIO, setExit: SetExit): void {
  program
    .command('demo')
    .description('promote sample images between in-process registries on 127.0.0.1 (no setup, no network)')
    .option('--keep <dir>', 'keep the manifests, signing key and registry content in this new or empty directory, and print how to rerun')
    .action(async (o: { keep?: string }) => {
      // imported on use: the demo loads registries, signing and the pipeline
      const { runDemo } = await import('../demo/run.js');
      const r = await runDemo(io, o.keep ? { keep: o.keep } : {});
      setExit(r.firstExit || r.secondExit);
    });
}
