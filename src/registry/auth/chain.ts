/**
 * The credential chain of a run, per registry host, in this order:
 *   1. explicit credentials: docker's config.json (credential helpers, credsStore, auths) and
 *      containers' auth.json (http/credentials.ts);
 *   2. the cloud provider owning the host (see hosts.ts), loaded on first use;
 *   3. anonymous.
 * A cloud credential is kept until shortly before it expires, then fetched again. Which source
 * answered each host is recorded for the report and logged at debug level; secrets never are.
 */
import { nullLogger, type Logger } from '../../log.js';
import type { Credential, CredentialStore } from '../http/credentials.js';
import { providerForHost, type ProviderName } from './hosts.js';
import { NoCloudCredentialsError, providerFailed, type CloudProvider } from './provider.js';

/** Where a host's credential came from: the files/helpers, a cloud provider, or nowhere. */
export type CredentialSourceName = 'explicit' | ProviderName | 'anonymous';

/** The source that authenticated one host (for the report). */
export interface HostCredentialSource {
  host: string;
  source: CredentialSourceName;
  /** Why a cloud host ended up anonymous (the provider's "no credentials" line). */
  note?: string;
}

/** Options of the chain. */
export interface CredentialChainOptions {
  /** Step 1: docker/containers credential files and helpers. */
  explicit: CredentialStore;
  /** Loads a provider on first use (the SDKs are imported only then). */
  loadProvider: (name: ProviderName) => Promise<CloudProvider>;
  /** Host → provider, beating the host-name rules (tests point loopback registries at a cloud). */
  overrides?: Readonly<Record<string, ProviderName>>;
  /** Clock in ms (tests make credentials expire). */
  now?: () => number;
  logger?: Logger;
}

/** A CredentialStore that also tells which source answered each host. */
export interface CredentialChain extends CredentialStore {
  sources(): HostCredentialSource[];
}

/**
 * Renew this long before a cloud credential expires (at most half its lifetime). Below Google's
 * library's own 5-minute eager-refresh window, so when we ask again it fetches a new token.
 */
export const CLOUD_RENEW_MARGIN_MS = 4 * 60_000;

interface Held {
  credential: Credential | undefined;
  renewAt: number;
}

/** Builds the chain. */
export function credentialChain(options: CredentialChainOptions): CredentialChain {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? nullLogger;
  const providers = new Map<ProviderName, Promise<CloudProvider>>();
  const held = new Map<string, Promise<Held>>();
  const recorded = new Map<string, HostCredentialSource>();

  const record = (entry: HostCredentialSource): void => {
    const before = recorded.get(entry.host);
    if (before?.source === entry.source) return;
    recorded.set(entry.host, entry);
    logger.debug('registry credentials', { host: entry.host, source: entry.source, ...(entry.note ? { note: entry.note } : {}) });
  };

  const provider = (name: ProviderName): Promise<CloudProvider> => {
    let p = providers.get(name);
    if (!p) {
      p = options.loadProvider(name);
      providers.set(name, p);
      p.catch(() => providers.get(name) === p && providers.delete(name));
    }
    return p;
  };

  const fetchCloud = async (host: string, name: ProviderName, renewal: boolean): Promise<Held> => {
    try {
      const got = await (await provider(name)).credential(host);
      if (renewal) logger.debug('cloud credentials renewed', { host, source: name });
      record({ host, source: name });
      const ttl = got.ttlMs;
      const renewAt = ttl === undefined ? Infinity : now() + ttl - Math.min(CLOUD_RENEW_MARGIN_MS, ttl / 2);
      return { credential: got.credential, renewAt };
    } catch (err) {
      if (err instanceof NoCloudCredentialsError) {
        // one line per host; the registry may still serve public images anonymously
        if (!recorded.has(host)) logger.warn(`${err.message}; using ${host} anonymously`);
        record({ host, source: 'anonymous', note: err.message });
        return { credential: undefined, renewAt: Infinity };
      }
      throw err instanceof Error && 'code' in err && err.code === 'CLOUD_CREDENTIALS_FAILED' ? err : providerFailed(host, name, err);
    }
  };

  return {
    async get(host) {
      const explicit = await options.explicit.get(host);
      if (explicit) {
        record({ host, source: 'explicit' });
        return explicit;
      }
      const name = providerForHost(host, options.overrides);
      if (!name) {
        record({ host, source: 'anonymous' });
        return undefined;
      }
      let p = held.get(host);
      if (p) {
        const h = await p.catch(() => undefined);
        if (h && h.renewAt > now()) return h.credential;
        if (held.get(host) === p) held.delete(host);
      }
      const renewal = p !== undefined;
      p = held.get(host) ?? fetchCloud(host, name, renewal);
      held.set(host, p);
      try {
        return (await p).credential;
      } catch (err) {
        if (held.get(host) === p) held.delete(host);
        throw err;
      }
    },
    sources: () => [...recorded.values()].sort((a, b) => a.host.localeCompare(b.host)),
  };
}
