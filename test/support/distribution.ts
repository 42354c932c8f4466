/**
 * Starts real Distribution registries (`docker-registry serve`, Debian's Distribution 2.8) for
 * integration tests: each on a free loopback port with its own temp storage, optionally with
 * Basic auth, Bearer token auth (our token server), TLS, and deletes enabled. Every registry is
 * stopped by PID; children still running when the test process exits are killed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { startTokenServer, type TokenServer } from './token-server.js';

const run = promisify(execFile);

/** Options of one registry instance. */
export interface DistributionOptions {
  /** Require HTTP Basic auth with these credentials (htpasswd, bcrypt). */
  basicAuth?: { username: string; password: string };
  /** Require Bearer tokens from a token server of ours that accepts these Basic credentials. */
  tokenAuth?: {
    username: string;
    password: string;
    expiresIn?: number;
    jwtLifetime?: number;
    anonymous?: boolean;
    accept?: (username: string, password: string) => boolean;
  };
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1 and localhost. */
  tls?: boolean;
  /** Allow DELETE of manifests and blobs. */
  delete?: boolean;
  /** Send notifications (Distribution's `notifications.endpoints`) to `url` with `Authorization: Bearer <token>`. */
  notifications?: { url: string; token: string };
}

/** A running registry. */
export interface Distribution {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  /** PEM file of the certificate to trust (TLS only). */
  caFile?: string;
  /** Its PEM text (TLS only), for `new Agent({connect: {ca}})`. */
  ca?: string;
  /** Credentials clients must use (basic or token auth). */
  credentials?: { username: string; password: string };
  /** The token server (token auth only). */
  tokenServer?: TokenServer;
  /** Temp directory holding config, storage and certificates. */
  dir: string;
  /** Registry log so far (for failure messages). */
  log(): string;
  /** Kills the registry (and its token server), waits for it to exit, removes its temp dir. */
  stop(): Promise<void>;
}

/** Running registries and their temp dirs, cleaned up if the test process exits without stop(). */
const live = new Map<ChildProcess, string>();
let hooksInstalled = false;

/** Kills every registry still running when the test process exits or is signalled. */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = (): void => {
    for (const [c, dir] of live) {
      c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
    live.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAll();
      process.removeListener(sig, handler);
      // Re-raise so the default behaviour (or other handlers) still applies.
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

/** Writes a self-signed server certificate for 127.0.0.1/localhost. */
async function makeServerCert(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30',
    '-keyout', key, '-out', cert, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  return { cert, key };
}

/** Builds the registry config (YAML is a superset of JSON, so JSON it is). */
function configFor(dir: string, opts: DistributionOptions, extra: { tls?: { cert: string; key: string }; htpasswd?: string; token?: TokenServer }): string {
  const http: Record<string, unknown> = { addr: '127.0.0.1:0', secret: `secret-${Math.random().toString(36).slice(2)}` };
  if (extra.tls) http.tls = { certificate: extra.tls.cert, key: extra.tls.key };
  const cfg: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: join(dir, 'data') },
      delete: { enabled: Boolean(opts.delete) },
      cache: { blobdescriptor: 'inmemory' },
    },
    http,
  };
  if (opts.notifications) {
    // short timeout and backoff: a test's auditor is local, and a refused batch is sent again soon
    cfg.notifications = {
      endpoints: [
        {
          name: 'kpromo-audit',
          url: opts.notifications.url,
          headers: { Authorization: [`Bearer ${opts.notifications.token}`] },
          timeout: '2s',
          threshold: 3,
          backoff: '200ms',
          ignoredmediatypes: ['application/octet-stream'],
        },
      ],
    };
  }
  if (extra.htpasswd) cfg.auth = { htpasswd: { realm: 'kpromo-test', path: extra.htpasswd } };
  if (extra.token) {
    const t = extra.token;
    cfg.auth = { token: { realm: t.realm, service: t.service, issuer: t.issuer, rootcertbundle: t.certFile } };
  }
  return JSON.stringify(cfg, null, 2);
}

/** Waits for "listening on 127.0.0.1:PORT" in the log, or fails when the process exits first. */
function waitForListen(child: ChildProcess, logs: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`registry did not start within ${timeoutMs} ms:\n${logs.join('')}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      logs.push(chunk.toString('utf8'));
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(logs.join(''));
      if (m) finish(undefined, m[1]);
    };
    const onExit = (code: number | null): void => finish(new Error(`registry exited (${code}) before listening:\n${logs.join('')}`));
    const finish = (err?: Error, host?: string): void => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining output so the child never blocks on a full pipe.
      child.stderr?.on('data', (c: Buffer) => logs.push(c.toString('utf8')));
      child.stdout?.on('data', (c: Buffer) => logs.push(c.toString('utf8')));
      if (err) reject(err);
      else resolve(host!);
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Polls GET /v2/ until it answers (any HTTP status), bounded. */
async function waitForPing(url: string, ca: string | undefined): Promise<void> {
  const dispatcher = new Agent(ca ? { connect: { ca } } : {});
  try {
    let lastErr: unknown;
    for (let i = 0; i < 100; i++) {
      try {
        const res = await request(`${url}/v2/`, { dispatcher });
        await res.body.dump();
        return;
      } catch (err) {
        lastErr = err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`registry at ${url} never answered /v2/: ${String(lastErr)}`);
  } finally {
    await dispatcher.close();
  }
}

/** Kills a child and waits for its exit (SIGTERM, then SIGKILL after a bounded wait). */
async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Starts one Distribution registry. */
export async function startDistribution(opts: DistributionOptions = {}): Promise<Distribution> {
  installExitHooks();
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-dist-'));
  let token: TokenServer | undefined;
  let child: ChildProcess | undefined;
  try {
    const tls = opts.tls ? await makeServerCert(dir) : undefined;
    let htpasswd: string | undefined;
    if (opts.basicAuth) {
      const { stdout } = await run('htpasswd', ['-Bbn', opts.basicAuth.username, opts.basicAuth.password]);
      htpasswd = join(dir, 'htpasswd');
      await writeFile(htpasswd, stdout);
    }
    if (opts.tokenAuth) token = await startTokenServer({ dir, ...opts.tokenAuth });
    const cfgFile = join(dir, 'config.yml');
    await writeFile(cfgFile, configFor(dir, opts, { tls, htpasswd, token }));

    const proc = spawn('docker-registry', ['serve', cfgFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.set(proc, dir);
    proc.once('exit', () => live.delete(proc));
    const logs: string[] = [];
    const host = await waitForListen(proc, logs, 15000);
    const url = `${opts.tls ? 'https' : 'http'}://${host}`;
    const ca = tls ? await readFile(tls.cert, 'utf8') : undefined;
    await waitForPing(url, ca);
    const credentials = opts.basicAuth ?? (opts.tokenAuth ? { username: opts.tokenAuth.username, password: opts.tokenAuth.password } : undefined);
    let stopped: Promise<void> | undefined;
    return {
      host,
      url,
      caFile: tls?.cert,
      ca,
      credentials,
      tokenServer: token,
      dir,
      log: () => logs.join(''),
      stop: () =>
        (stopped ??= (async () => {
          await killAndWait(proc);
          await token?.stop();
          await rm(dir, { recursive: true, force: true });
        })()),
    };
  } catch (err) {
    if (child) await killAndWait(child);
    await token?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Starts `n` independent registries with the same options. */
export async function startDistributions(n: number, opts: DistributionOptions = {}): Promise<Distribution[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, () => startDistribution(opts)));
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((d) => d.stop()));
    throw failed.reason;
  }
  return ok;
}

/** Stops all given registries (convenient in `after()`). */
export async function stopAll(registries: readonly { stop(): Promise<void> }[]): Promise<void> {
  await Promise.all(registries.map((r) => r.stop()));
}
