/**
 * `kpromo registry serve`: runs the in-process OCI registry (in memory, or in `--dir`) until
 * SIGINT/SIGTERM, for demos and local trials. Prints the address it listens on.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import type { CliIO } from '../main.js';
import type { SetExit } from './index.js';

/** Options of `registry serve`. */
export interface RegistryServeOptions {
  /** `host:port` to listen on; port 0 picks a free one. */
  addr: string;
  /** Directory to keep content in; memory when absent. */
  dir?: string;
  /** Serve the referrers API (false mimics Distribution 2.8). */
  referrers: boolean;
}

/** Splits `host:port` (IPv6 in brackets), or throws an InputError. */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new InputError([{ message: `--addr must be host:port (e.g. 127.0.0.1:5000), got ${JSON.stringify(addr)}` }]);
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Serves a registry until `until` settles, then stops it. */
export async function registryServe(opts: RegistryServeOptions, io: CliIO, until: Promise<unknown>): Promise<void> {
  const { host, port } = parseAddr(opts.addr);
  const { startRegistryServer } = await import('../../registry/server/server.js'); // only this command needs it
  const server = await startRegistryServer({ host, port, dir: opts.dir, referrers: opts.referrers });
  try {
    io.stdout(`listening on ${server.host} (${opts.dir ? `dir ${opts.dir}` : 'memory'}${opts.referrers ? '' : ', no referrers API'})\n`);
    await until;
  } finally {
    await server.stop();
  }
}

/** A promise that resolves on the first SIGINT or SIGTERM, and removes its listeners then. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Registers `registry serve`. */
export function register(program: Command, io: CliIO, setExit: SetExit): void {
  const registry = program.command('registry').description('Run a local OCI registry (for trials and tests)');
  registry
    .command('serve')
    .description('Serve an in-process OCI registry until interrupted')
    .option('--addr <host:port>', 'address to listen on (port 0 picks a free port)', '127.0.0.1:5000')
    .option('--dir <dir>', 'keep content in this directory (default: memory)')
    .option('--no-referrers', 'answer the referrers API with 404, like Distribution 2.8')
    .action(async (o: { addr: string; dir?: string; referrers: boolean }) => {
      await registryServe({ addr: o.addr, dir: o.dir, referrers: o.referrers }, io, untilSignal());
      setExit(0);
    });
}
