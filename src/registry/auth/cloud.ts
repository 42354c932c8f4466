/**
 * Loads the provider of a cloud on first use: each provider module, and the SDK it wraps, is
 * imported only when a host of that cloud is about to be authenticated, so a run that touches
 * no cloud registry loads none of them.
 */
import type { Transport } from '../../net/transport.js';
import type { ProviderName } from './hosts.js';
import type { CloudProvider } from './provider.js';

/** What the real providers need from the run. */
export interface CloudProviderOptions {
  env: NodeJS.ProcessEnv;
  /** The run's transport (ACR's token exchange goes through the network policy). */
  transport: Transport;
  scheme: (host: string) => 'http:' | 'https:';
  now?: () => number;
  /** Local stand-ins for the cloud APIs (tests only). */
  endpoints?: { ecr?: string; ecrPublic?: string; googleToken?: string };
}

/** Returns the loader the credential chain calls with a provider name. */
export function cloudProviderLoader(options: CloudProviderOptions): (name: ProviderName) => Promise<CloudProvider> {
  return async (name) => {
    switch (name) {
      case 'google':
        return (await import('./google.js')).googleProvider({ tokenEndpoint: options.endpoints?.googleToken });
      case 'aws-ecr':
        return (await import('./ecr.js')).ecrProvider({ endpoint: options.endpoints?.ecr, now: options.now });
      case 'aws-ecr-public':
        return (await import('./ecr.js')).ecrPublicProvider({ endpoint: options.endpoints?.ecrPublic, now: options.now });
      case 'azure':
        return (await import('./azure.js')).azureProvider({ transport: options.transport, scheme: options.scheme, now: options.now });
      case 'github':
        return (await import('./github.js')).githubProvider(options.env);
    }
  };
}
