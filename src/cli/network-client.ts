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
import type { RegistryClient } from '../registry/types.js';
import type { NetworkSettings } from './network-options.js';

/** The client of a run and the network under it (for `stats()` in the report). */
export interface NetworkedClient {
  client: RegistryClient;
  network: Network;
}

/** Builds the registry client of a run with the network policy from the flags. */
export function createNetworkedClient(
  settings: NetworkSettings = {},
  opts: { logger?: Logger; env?: NodeJS.ProcessEnv; transport?: HttpTransportOptions; insecureRegistries?: string[] } = {},
): NetworkedClient {
  const { insecureRegistries = [], caFile, ...policy } = settings;
  const base = createHttpTransport({ ...opts.transport, ...(caFile ? { caFile } : {}) });
  const network = createNetwork({ ...policy, base });
  const client = createHttpRegistryClient({
    transport: network.transport,
    retry: network.retry,
    logger: opts.logger,
    // docker config.json / credential helpers / REGISTRY_AUTH_FILE, read from the run's environment
    credentials: dockerCredentials({ env: opts.env ?? process.env }),
    insecureRegistries: [...(opts.insecureRegistries ?? []), ...insecureRegistries],
  });
  return { client, network };
}
