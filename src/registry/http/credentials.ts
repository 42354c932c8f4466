/**
 * Where registry credentials come from, in docker's order: `credHelpers[host]`, then
 * `credsStore`, then `auths` of `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`),
 * then `auths` of `$REGISTRY_AUTH_FILE` (containers auth.json). Secrets stay in memory and are
 * never logged; a failing helper's stderr is not echoed because it may contain them.
 */
import { KpromoError } from '../../errors.js';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A credential for one registry host. */
export type Credential =
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token (docker's `identitytoken`), exchanged at the token realm. */
  | { kind: 'identity'; username: string; identityToken: string };

/** Looks up credentials by registry host (`host[:port]`). */
export interface CredentialStore {
  get(host: string): Promise<Credential | undefined>;
}

/** No credentials: every registry is used anonymously. */
export const anonymous: CredentialStore = { get: async () => undefined };

/** Fixed credentials per host (tests, or flags). */
export function staticCredentials(byHost: Record<string, Credential>): CredentialStore {
  return { get: async (host) => byHost[host] };
}

/** The JSON shape shared by docker's config.json and containers' auth.json. */
interface AuthConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Options of the docker/containers credential store. */
export interface DockerCredentialOptions {
  env?: NodeJS.ProcessEnv;
  /** Home directory (default os.homedir()). */
  home?: string;
}

/** Credentials from docker's config.json (with credential helpers) and containers' auth.json. */
export function dockerCredentials(options: DockerCredentialOptions = {}): CredentialStore {
  const env = options.env ?? process.env;
  const [dockerFile, containersFile] = credentialFiles(options);
  let files: Promise<[AuthConfigFile, AuthConfigFile]> | undefined;
  const cache = new Map<string, Promise<Credential | undefined>>();
  const load = () => (files ??= Promise.all([readConfig(dockerFile!), containersFile ? readConfig(containersFile) : Promise.resolve({})]));
  return {
    get(host) {
      let c = cache.get(host);
      if (!c) {
        c = load().then(([docker, containers]) => lookup(host, docker, containers, env));
        cache.set(host, c);
      }
      return c;
    },
  };
}

async function lookup(
  host: string,
  docker: AuthConfigFile,
  containers: AuthConfigFile,
  env: NodeJS.ProcessEnv,
): Promise<Credential | undefined> {
  const helper = findByHost(docker.credHelpers, host) ?? docker.credsStore;
  if (helper) {
    const fromHelper = await runCredentialHelper(helper, host, env);
    if (fromHelper) return fromHelper;
  }
  return fromAuths(findByHost(docker.auths, host)) ?? fromAuths(findByHost(containers.auths, host));
}

/** The credential files a store reads: docker's config.json, and containers' auth.json when set. */
export function credentialFiles(options: DockerCredentialOptions = {}): string[] {
  const env = options.env ?? process.env;
  const dockerDir = env.DOCKER_CONFIG || join(options.home ?? homedir(), '.docker');
  return [join(dockerDir, 'config.json'), ...(env.REGISTRY_AUTH_FILE ? [env.REGISTRY_AUTH_FILE] : [])];
}

/**
 * Reads and checks every credential file now (setup), so a broken one fails the run before any
 * request rather than once per edge. Throws KpromoError INVALID_CREDENTIALS_FILE naming the file
 * (never a value from it). A missing file is fine: that source has no credentials.
 */
export async function checkCredentialFiles(options: DockerCredentialOptions = {}): Promise<void> {
  for (const file of credentialFiles(options)) await readConfig(file);
}

async function readConfig(path: string): Promise<AuthConfigFile> {
  const broken = (why: string, cause?: unknown): KpromoError =>
    new KpromoError('INVALID_CREDENTIALS_FILE', `credentials file ${path} ${why}`, cause === undefined ? undefined : { cause });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    throw broken(`cannot be read (${code ?? 'error'})`, err);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw broken('is not valid JSON', err);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(doc)) throw broken('is not a JSON object');
  if (doc.auths !== undefined) {
    if (!isObject(doc.auths)) throw broken('has an "auths" that is not an object');
    for (const [host, entry] of Object.entries(doc.auths)) {
      if (!isObject(entry)) throw broken(`has an auths entry for ${host} that is not an object`);
      if (entry.auth !== undefined && (typeof entry.auth !== 'string' || (entry.auth !== '' && !Buffer.from(entry.auth, 'base64').toString('utf8').includes(':')))) {
        throw broken(`has an auths entry for ${host} whose "auth" is not base64 of user:password`);
      }
    }
  }
  if (doc.credHelpers !== undefined && (!isObject(doc.credHelpers) || !Object.values(doc.credHelpers).every((v) => typeof v === 'string'))) {
    throw broken('has a "credHelpers" that is not an object of helper names');
  }
  if (doc.credsStore !== undefined && typeof doc.credsStore !== 'string') throw broken('has a "credsStore" that is not a string');
  return doc as AuthConfigFile;
}

/** Keys of `auths` may be `host`, `https://host`, or docker's legacy `https://host/v1/`. */
export function normaliseAuthKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
}

const DOCKER_HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

function findByHost<V>(map: Record<string, V> | undefined, host: string): V | undefined {
  if (!map) return undefined;
  const want = host.toLowerCase();
  const wanted = DOCKER_HUB_ALIASES.includes(want) ? DOCKER_HUB_ALIASES : [want];
  for (const [k, v] of Object.entries(map)) if (wanted.includes(normaliseAuthKey(k))) return v;
  return undefined;
}

function fromAuths(
  entry: { auth?: string; username?: string; password?: string; identitytoken?: string } | undefined,
): Credential | undefined {
  if (!entry) return undefined;
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  if (entry.identitytoken) return { kind: 'identity', username: username ?? '', identityToken: entry.identitytoken };
  if (username !== undefined && password !== undefined) return { kind: 'basic', username, password };
  return undefined;
}

/** Longest a credential helper may run. */
const HELPER_TIMEOUT_MS = 30_000;

/**
 * Runs `docker-credential-<name> get` with the server URL on stdin (docker-credential-helpers
 * protocol) and parses `{Username, Secret}`; a `<token>` username means an identity token.
 * Returns undefined when the helper knows no credentials for the host.
 */
export function runCredentialHelper(name: string, host: string, env: NodeJS.ProcessEnv = process.env): Promise<Credential | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${name}`, ['get'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), HELPER_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`credential helper docker-credential-${name} could not run: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8').trim();
      if (code !== 0) {
        // helpers print "credentials not found in native keychain" for unknown hosts
        if (/not found/i.test(text)) return resolve(undefined);
        return reject(new Error(`credential helper docker-credential-${name} exited with ${code}`));
      }
      try {
        const parsed = JSON.parse(text) as { Username?: string; Secret?: string };
        if (!parsed.Secret) return resolve(undefined);
        const username = parsed.Username ?? '';
        resolve(
          username === '<token>'
            ? { kind: 'identity', username, identityToken: parsed.Secret }
            : { kind: 'basic', username, password: parsed.Secret },
        );
      } catch {
        reject(new Error(`credential helper docker-credential-${name} printed something that is not JSON`));
      }
    });
    child.stdin.on('error', () => {}); // a helper that exits without reading stdin
    // docker stores Docker Hub under its legacy index URL
    child.stdin.end(DOCKER_HUB_ALIASES.includes(host.toLowerCase()) ? 'https://index.docker.io/v1/' : host);
  });
}
