/**
 * In-memory CloudProvider for tests: hands out the credentials it is given in order (the last
 * one repeats), or fails as told, and counts calls.
 */
import type { Credential } from '../http/credentials.js';
import type { ProviderName } from './hosts.js';
import { noCredentials, providerFailed, type CloudCredential, type CloudProvider } from './provider.js';

/** Options of the fake provider. */
export interface FakeProviderOptions {
  name: ProviderName;
  /** Credentials handed out in turn; none means "no credentials on this machine". */
  credentials?: Credential[];
  ttlMs?: number;
  /** Fail with this reason (a broken identity) instead. */
  fail?: string;
}

/** A fake provider and the hosts it was asked for. */
export interface FakeProvider extends CloudProvider {
  readonly asked: string[];
}

/** Creates a fake provider. */
export function fakeProvider(options: FakeProviderOptions): FakeProvider {
  const asked: string[] = [];
  return {
    name: options.name,
    asked,
    async credential(host: string): Promise<CloudCredential> {
      asked.push(host);
      if (options.fail) throw providerFailed(host, options.name, new Error(options.fail));
      const list = options.credentials ?? [];
      const credential = list[Math.min(asked.length, list.length) - 1];
      if (!credential) throw noCredentials(host, options.name);
      return { credential, ttlMs: options.ttlMs };
    },
  };
}
