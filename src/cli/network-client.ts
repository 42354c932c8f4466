/**
 * Wires the run's registry client: one undici base transport, the network policy over it
 * (per-host budgets, AIMD, Retry-After, retries, stats), and the HTTP registry client on top. One
 * instance serves the whole run, so connections and tokens are reused across all copies.
 */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { RetryNotice } from '../net/retry.js';
import { causeOf } from '../plan/failure-causes.js';
import { createHttpTransport, type HttpTransportOptions } from '../net/http-transport.js';
import { createNetwork, type Network } from '../net/policy.js';
import { credentialEnv } from './network-options.js';
import { createHttpRegistryClient } from '../registry/http/client.js';
import { dockerCredentials } from '../registry/http/credentials.js';
import { schemeFor } from '../registry/http/urls.js';
import { credentialChain, type HostCredentialSource } from '../registry/auth/chain.js';
import { cloudProviderLoader, type CloudProviderOptions } from '../registry/auth/cloud.js';
import { parseProviderOverrides, type ProviderName } from '../registry/auth/hosts.js';
import type { RegistryClient } from '../registry/types.js';
import type { NetworkSettings } from './network-options.js';

/** The client of a run and the network under it (for `stats()` in the report). */
export interface NetworkedClient {
  client: RegistryClient;
  network: Network;
  /** Which credential source answered each host so far (for the report). */
  credentialSources(): HostCredentialSource[];
}

/** Test-only wiring of the cloud credential providers (never a user flag). */
export interface CloudTestOptions {
  /** Host → provider beside the host-name rules, so a loopback registry can stand in for a cloud one. */
  hosts?: Record<string, ProviderName>;
  endpoints?: CloudProviderOptions['endpoints'];
  now?: () => number;
}

/** Builds the registry client of a run with the network policy from the flags. */
export function createNetworkedClient(
  settings: NetworkSettings = {},
  opts: { logger?: Logger; env?: NodeJS.ProcessEnv; transport?: HttpTransportOptions; insecureRegistries?: string[]; cloud?: CloudTestOptions } = {},
): NetworkedClient {
  const { insecureRegistries = [], caFile, authFile, ...policy } = settings;
  const env = credentialEnv(opts.env ?? process.env, { authFile });
  const insecure = [...(opts.insecureRegistries ?? []), ...insecureRegistries];
  const base = createHttpTransport({ ...opts.transport, ...(caFile ? { caFile } : {}) });
  const network = createNetwork({ ...policy, base, ...(opts.logger ? { onRetry: retryLogger(opts.logger) } : {}) });
  const now = opts.cloud?.now;
  // docker config.json / credential helpers / REGISTRY_AUTH_FILE first, then the cloud owning
  // the host (ADC, the AWS and Azure default chains, GITHUB_TOKEN), then anonymous
  const credentials = credentialChain({
    explicit: dockerCredentials({ env }),
    loadProvider: cloudProviderLoader({ env, transport: network.transport, scheme: (h) => schemeFor(h, insecure), now, endpoints: opts.cloud?.endpoints }),
    overrides: { ...parseProviderOverrides(env.KPROMO_TEST_CLOUD_HOSTS), ...opts.cloud?.hosts },
    now,
    logger: opts.logger,
  });
  const client = createHttpRegistryClient({
    transport: network.transport,
    retry: network.retry,
    logger: opts.logger,
    credentials,
    insecureRegistries: insecure,
    now,
  });
  return { client, network, credentialSources: () => credentials.sources() };
}

/**
 * Logs retries in progress: `waiting 8 s for 127.0.0.1:5000: connection refused, attempt 3/6`.
 * Concurrent requests to one host retry in step, so each host's attempt number is logged at info
 * once (the first time it is reached); the others go to debug.
 */
export function retryLogger(logger: Logger): (n: RetryNotice) => void {
  const reached = new Map<string, number>();
  return (n) => {
    const why = n.status !== undefined ? `HTTP ${n.status}` : causeOf(errorMessage(n.error)).reason;
    const msg = `waiting ${formatWait(n.delayMs)} for ${n.host}: ${why}, attempt ${n.attempt}/${n.maxAttempts}`;
    if (n.attempt > (reached.get(n.host) ?? 1)) {
      reached.set(n.host, n.attempt);
      logger.info(msg);
    } else logger.debug(msg);
  };
}

/** 8000 → "8 s", 500 → "0.5 s". */
export function formatWait(ms: number): string {
  return `${ms >= 10_000 ? Math.round(ms / 1000) : Math.round(ms / 100) / 10} s`;
}
