/**
 * The network flags of `kpromo cip` (rate limits and retries per registry host), read into the
 * options of createNetwork (src/net/policy.ts). Kept apart so cip-options.ts only appends a block.
 */
import { DEFAULT_BURST, DEFAULT_CONCURRENCY, DEFAULT_QPS, type NetworkOptions } from '../net/policy.js';
import { DEFAULT_MAX_RETRY_AFTER_MS } from '../net/host-paused.js';
import { DEFAULT_RETRY_POLICY } from '../net/retry.js';
import { DEFAULT_THROUGHPUT_FLOOR } from '../net/throughput.js';
import type { FlagReader, FlagSpec } from './flags.js';

/** The network flags. */
export const NETWORK_FLAGS: FlagSpec[] = [
  {
    name: 'registry-qps',
    kind: 'list', arg: '<n|host=n>',
    description: `requests per second per registry host (default ${DEFAULT_QPS}); "host=N" overrides one host (repeatable)`,
  },
  { name: 'registry-burst', kind: 'int', default: DEFAULT_BURST, description: 'requests a host may get at once after an idle period' },
  {
    name: 'registry-max-in-flight',
    kind: 'int',
    default: DEFAULT_CONCURRENCY.max,
    description: 'ceiling of the adaptive number of requests in flight per host',
  },
  { name: 'registry-retries', kind: 'int', default: DEFAULT_RETRY_POLICY.maxAttempts - 1, description: 'retries of a transient failure (429, 5xx, reset, timeout)' },
  {
    name: 'registry-max-retry-after',
    kind: 'int',
    default: DEFAULT_MAX_RETRY_AFTER_MS / 1000,
    description: 'longest Retry-After (seconds) a host may ask for; a longer one fails that host for the run, the others go on',
  },
  {
    name: 'registry-min-throughput',
    kind: 'int',
    default: DEFAULT_THROUGHPUT_FLOOR.minBytesPerSecond,
    description: 'bytes per second a response body must at least deliver (measured over --registry-throughput-window); a slower one fails and is retried; 0 turns the floor off',
  },
  {
    name: 'registry-throughput-window',
    kind: 'int',
    default: DEFAULT_THROUGHPUT_FLOOR.windowMs / 1000,
    description: 'seconds over which --registry-min-throughput is measured',
  },
  {
    name: 'insecure-registry',
    kind: 'list', arg: '<host>',
    description: 'allow plain HTTP to this registry host (repeatable); loopback hosts always use HTTP, as docker does',
  },
  { name: 'ca-file', kind: 'string', arg: '<file>', description: 'PEM file of extra certificate authorities trusted for registries (beside the system CAs)' },
  {
    name: 'registry-auth-file',
    kind: 'string',
    arg: '<file>',
    description: 'containers auth.json with registry credentials (as $REGISTRY_AUTH_FILE; read after docker config.json)',
  },
];

/** How registries are reached: transport rules beside the policy. */
export interface RegistryAccess {
  /** Hosts allowed over plain HTTP (`--insecure-registry`). */
  insecureRegistries?: string[];
  /** Extra CAs (`--ca-file`). */
  caFile?: string;
  /** A containers auth.json (`--registry-auth-file`), read as `$REGISTRY_AUTH_FILE` is. */
  authFile?: string;
}

/** The network settings of a run: createNetwork's options without the base transport, and access rules. */
export type NetworkSettings = Omit<NetworkOptions, 'base' | 'clock' | 'random'> & RegistryAccess;

/** Reads the network flags; problems go to the reader. */
export function readNetworkOptions(f: FlagReader): NetworkSettings {
  const out: NetworkSettings = { hostQps: {} };
  for (const item of f.list('registry-qps')) {
    const eq = item.lastIndexOf('=');
    const host = eq >= 0 ? item.slice(0, eq).trim() : undefined;
    const value = Number(eq >= 0 ? item.slice(eq + 1) : item);
    if (!(value > 0) || !Number.isFinite(value) || host === '') {
      f.fail(`invalid --registry-qps "${item}": use a number > 0, or host=N (e.g. us-docker.pkg.dev=40)`);
      continue;
    }
    if (host) out.hostQps![host] = value;
    else out.qps = value;
  }
  out.burst = f.int('registry-burst', 1, 10_000);
  const max = f.int('registry-max-in-flight', 1, 1_024);
  out.concurrency = { max, initial: Math.min(DEFAULT_CONCURRENCY.initial, max) };
  out.retry = { maxAttempts: f.int('registry-retries', 0, 100) + 1 };
  out.maxRetryAfterMs = f.int('registry-max-retry-after', 0, 86_400) * 1000;
  const minBytesPerSecond = f.int('registry-min-throughput', 0, 1 << 30);
  const windowMs = f.int('registry-throughput-window', 1, 3_600) * 1000;
  out.throughput = minBytesPerSecond === 0 ? false : { minBytesPerSecond, windowMs };
  const insecure = f.list('insecure-registry').map((h) => h.trim()).filter(Boolean);
  if (insecure.length) out.insecureRegistries = insecure;
  const caFile = f.str('ca-file');
  if (caFile) out.caFile = caFile;
  const authFile = f.str('registry-auth-file');
  if (authFile) out.authFile = authFile;
  return out;
}

/** The environment a run reads credentials from: `--registry-auth-file` stands for `$REGISTRY_AUTH_FILE`. */
export function credentialEnv(env: NodeJS.ProcessEnv, access: RegistryAccess): NodeJS.ProcessEnv {
  return access.authFile ? { ...env, REGISTRY_AUTH_FILE: access.authFile } : env;
}
