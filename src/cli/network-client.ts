/**
 * Wires the run's registry client: one undici base transport, the network policy over it
 * (per-host budgets, AIMD, Retry-After, retries, stats), and the HTTP registry client on top. One
 * instance serves the whole run, so connections and tokens are reused across all copies.
 */
import type { Logger } from '../log.js';
import { createHttpTransport, type HttpTransportOptions } from '../net/http-transport.js';
import { createNetwork, type Network } from '../net/policy.js';
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
  const { insecureRegistries = [], caFile, ...policy } = settings;
  const env = opts.env ?? process.env;
  const insecure = [...(opts.insecureRegistries ?? []), ...insecureRegistries];
  const base = createHttpTransport({ ...opts.transport, ...(caFile ? { caFile } : {}) });
  const network = createNetwork({ ...policy, base });
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
