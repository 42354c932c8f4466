/**
 * `kpromo registry serve`: runs the in-process OCI registry (in memory, or in `--dir`) until
 * SIGINT/SIGTERM, for demos and local trials. Prints the address it listens on, and a warning
 * when it is reachable beyond this machine without authentication.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError, KpromoError, errorMessage } from '../../errors.js';
import type { CliIO, SetExit } from '../io.js';

/** Default cap of the memory store (1 GiB): a registry for trials should not take the machine's memory. */
export const DEFAULT_MEMORY_MAX_BYTES = 1024 ** 3;
/** Default idle timeout of an upload session, in seconds (10 minutes). */
export const DEFAULT_UPLOAD_TIMEOUT_S = 600;

/** Options of `registry serve`. */
export interface RegistryServeOptions {
  /** `host:port` to listen on; port 0 picks a free one. */
  addr: string;
  /** Directory to keep content in; memory when absent. */
  dir?: string;
  /** Serve the referrers API (false mimics Distribution 2.8). */
  referrers: boolean;
  /** Most bytes the memory store holds; default DEFAULT_MEMORY_MAX_BYTES. Not with `dir`. */
  maxBytes?: number;
  /** Idle timeout of upload sessions, in seconds; default DEFAULT_UPLOAD_TIMEOUT_S. */
  uploadTimeoutSeconds?: number;
  /** htpasswd file (bcrypt entries) whose users may use the registry. */
  htpasswd?: string;
  /** PEM certificate chain and key files: serve HTTPS. */
  tlsCert?: string;
  tlsKey?: string;
}

/** Parses a byte count: a whole number with an optional binary suffix (K, M, G, T; KiB, …). */
export function parseBytes(flag: string, v: string): number {
  const m = /^(\d+)\s*(?:([KMGT])(?:i?B)?|B)?$/i.exec(v.trim());
  const n = m ? Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] ?? ' ').toUpperCase()) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new InputError([{ message: `${flag} must be a positive byte count such as 1073741824, 512M or 2G, got ${JSON.stringify(v)}` }]);
  }
  return n;
}

/** Parses a positive whole number of seconds. */
function parseSeconds(flag: string, v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new InputError([{ message: `${flag} must be a positive whole number of seconds, got ${JSON.stringify(v)}` }]);
  return n;
}

/** Whether `host` (as given to --addr) only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The warning due when a registry listens beyond this machine: without authentication anyone
 * reaching it may read, push and delete; without TLS passwords travel in clear text.
 */
export function exposureWarning(host: string, shown: string, opts: { auth: boolean; tls: boolean }): string | undefined {
  if (isLoopback(host)) return undefined;
  if (!opts.auth) {
    return `listening on ${shown} without authentication: anyone who can reach this address can read, push and delete content (use --htpasswd, or --addr 127.0.0.1:PORT)`;
  }
  if (!opts.tls) return `listening on ${shown} without TLS: passwords cross the network in clear text (use --tls-cert and --tls-key)`;
  return undefined;
}

/** Reads a file named by a flag; a failure is one-line invalid input. */
async function readFlagFile(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new KpromoError('INVALID_INPUT', `${flag} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(err)}`, { cause: err });
  }
}

/** Rethrows an error about a flag's content as one-line invalid input. */
function asInput(flag: string, err: unknown): never {
  throw new KpromoError('INVALID_INPUT', `${flag}: ${errorMessage(err)}`, { cause: err });
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
  if (opts.dir && opts.maxBytes !== undefined) {
    throw new InputError([{ message: '--max-bytes caps the memory store; with --dir the disk holds the content (leave out one of them)' }]);
  }
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new InputError([{ message: '--tls-cert and --tls-key go together: give both, or neither for plain HTTP' }]);
  }
  // Only this command needs the server and bcrypt: loaded on use.
  const { startRegistryServer } = await import('../../registry/server/server.js');
  let authenticate;
  if (opts.htpasswd) {
    const { htpasswdAuthenticator, parseHtpasswd } = await import('../../registry/server/auth.js');
    const text = await readFlagFile('--htpasswd', opts.htpasswd);
    try {
      authenticate = htpasswdAuthenticator(parseHtpasswd(text, opts.htpasswd));
    } catch (err) {
      asInput('--htpasswd', err);
    }
  }
  const tls = opts.tlsCert && opts.tlsKey ? { cert: await readFlagFile('--tls-cert', opts.tlsCert), key: await readFlagFile('--tls-key', opts.tlsKey) } : undefined;
  let server;
  try {
    server = await startRegistryServer({
      host,
      port,
      dir: opts.dir,
      referrers: opts.referrers,
      maxBytes: opts.dir ? undefined : (opts.maxBytes ?? DEFAULT_MEMORY_MAX_BYTES),
      uploadIdleMs: (opts.uploadTimeoutSeconds ?? DEFAULT_UPLOAD_TIMEOUT_S) * 1000,
      authenticate,
      tls,
    });
  } catch (err) {
    if (err instanceof KpromoError && err.code === 'STORE_UNUSABLE') asInput('--dir', err);
    if (err instanceof KpromoError) throw err;
    // Node refuses a certificate or key it cannot parse while creating the server.
    if (tls) asInput('--tls-cert/--tls-key', err);
    throw err;
  }
  try {
    const warning = exposureWarning(host, server.host, { auth: authenticate !== undefined, tls: tls !== undefined });
    if (warning) io.stderr(`warning: ${warning}\n`);
    const what = [opts.dir ? `dir ${opts.dir}` : 'memory', ...(opts.referrers ? [] : ['no referrers API']), ...(authenticate ? ['htpasswd'] : []), ...(tls ? ['TLS'] : [])];
    io.stdout(`listening on ${server.host} (${what.join(', ')})\n`);
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
    .option('--max-bytes <n>', 'most bytes the memory store holds, uploads in progress included (e.g. 512M, 2G; default 1G); not with --dir')
    .option('--upload-timeout <seconds>', `drop an upload session idle this long (default ${DEFAULT_UPLOAD_TIMEOUT_S})`)
    .option('--htpasswd <file>', 'require HTTP Basic auth by the bcrypt entries of this file (htpasswd -B)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (chain); needs --tls-key')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .action(async (o: { addr: string; dir?: string; referrers: boolean; maxBytes?: string; uploadTimeout?: string; htpasswd?: string; tlsCert?: string; tlsKey?: string }) => {
      const opts: RegistryServeOptions = {
        addr: o.addr,
        dir: o.dir,
        referrers: o.referrers,
        maxBytes: o.maxBytes === undefined ? undefined : parseBytes('--max-bytes', o.maxBytes),
        uploadTimeoutSeconds: o.uploadTimeout === undefined ? undefined : parseSeconds('--upload-timeout', o.uploadTimeout),
        htpasswd: o.htpasswd,
        tlsCert: o.tlsCert,
        tlsKey: o.tlsKey,
      };
      await registryServe(opts, io, untilSignal());
      setExit(0);
    });
}
