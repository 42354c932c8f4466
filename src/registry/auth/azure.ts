/**
 * Azure Container Registry: an Entra ID access token for ACR's audience from @azure/identity's
 * DefaultAzureCredential (environment service principal, workload identity (AKS, GitHub OIDC),
 * managed identity, Azure CLI, ...), exchanged at `https://<registry>/oauth2/exchange` for an ACR
 * refresh token, which the registry takes as a password beside the all-zero user name
 * (https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md).
 */
import type { TokenCredential } from '@azure/identity';
import type { Transport } from '../../net/transport.js';
import { readCapped } from '../digest.js';
import { noCredentials, providerFailed, type CloudProvider } from './provider.js';

/** The Entra ID scope of ACR's data plane. */
export const ACR_SCOPE = 'https://containerregistry.azure.net/.default';
/** The user name ACR expects beside a refresh token. */
export const ACR_TOKEN_USER = '00000000-0000-0000-0000-000000000000';

/** Options of the Azure provider. */
export interface AzureOptions {
  /** Sends the exchange request (the run's transport, under its network policy). */
  transport: Transport;
  /** `http:` or `https:` for a host (loopback stand-ins speak plain HTTP). */
  scheme: (host: string) => 'http:' | 'https:';
  /** The Entra ID credential; default: DefaultAzureCredential, imported on first use. */
  credential?: TokenCredential;
  /** Clock in ms, for token lifetimes. */
  now?: () => number;
}

/** Creates the Azure provider. */
export function azureProvider(options: AzureOptions): CloudProvider {
  const now = options.now ?? Date.now;
  let credential: Promise<TokenCredential> | undefined;
  const entra = () =>
    (credential ??= options.credential
      ? Promise.resolve(options.credential)
      : import('@azure/identity').then((lib) => new lib.DefaultAzureCredential()));
  return {
    name: 'azure',
    async credential(host, signal) {
      let access;
      try {
        access = await (await entra()).getToken(ACR_SCOPE, { abortSignal: signal });
      } catch (err) {
        if (isUnavailable(err)) throw noCredentials(host, 'azure', err);
        throw providerFailed(host, 'azure', err);
      }
      if (!access?.token) throw noCredentials(host, 'azure');
      const refresh = await exchange(host, access.token, options, signal);
      // the refresh token outlives the Entra token; renewing with it keeps both fresh
      const ttlMs = Math.max(0, access.expiresOnTimestamp - now());
      return { credential: { kind: 'basic', username: ACR_TOKEN_USER, password: refresh }, ttlMs };
    },
  };
}

/** POSTs the Entra token to the registry's exchange endpoint; returns the ACR refresh token. */
async function exchange(host: string, accessToken: string, options: AzureOptions, signal?: AbortSignal): Promise<string> {
  const url = new URL(`${options.scheme(host)}//${host}/oauth2/exchange`);
  const form = new URLSearchParams({ grant_type: 'access_token', service: host, access_token: accessToken });
  let res;
  try {
    res = await options.transport.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: Buffer.from(form.toString()),
      kind: 'token',
      signal,
    });
  } catch (err) {
    throw providerFailed(host, 'azure', new Error(`token exchange at ${url.origin}/oauth2/exchange failed`, { cause: err }));
  }
  const body = await readCapped(res.body, 1024 * 1024).catch(() => Buffer.alloc(0));
  if (res.status !== 200) {
    throw providerFailed(host, 'azure', new Error(`token exchange at ${url.origin}/oauth2/exchange answered ${res.status}`));
  }
  let parsed: { refresh_token?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = {};
  }
  if (typeof parsed.refresh_token !== 'string' || !parsed.refresh_token) {
    throw providerFailed(host, 'azure', new Error('token exchange returned no refresh_token'));
  }
  return parsed.refresh_token;
}

/** @azure/identity's "no source of this kind here" (every credential of the default chain unavailable). */
function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'CredentialUnavailableError') return true;
  const errors = (err as { errors?: unknown[] }).errors;
  return err.name === 'AggregateAuthenticationError' && Array.isArray(errors) && errors.every((e) => e instanceof Error && e.name === 'CredentialUnavailableError');
}
