/**
 * The seam of one cloud's credentials: a CloudProvider turns the run's ambient cloud identity
 * (a service-account key, workload identity, an instance role, a token variable) into a registry
 * credential for a host. Failures are two kinds: "this machine has no such identity" (the chain
 * goes on to anonymous access) and "the identity is there but does not work" (the run stops).
 */
import { KpromoError } from '../../errors.js';
import type { Credential } from '../http/credentials.js';
import type { ProviderName } from './hosts.js';

/** A credential and how long it stays valid (ms; undefined: until the run ends). */
export interface CloudCredential {
  credential: Credential;
  ttlMs?: number;
}

/** Credentials of one cloud for the registry hosts it owns. */
export interface CloudProvider {
  readonly name: ProviderName;
  /** A fresh credential for `host`; throws NoCloudCredentialsError or CloudCredentialsError. */
  credential(host: string, signal?: AbortSignal): Promise<CloudCredential>;
}

/** The machine has no identity of this cloud: the host is used anonymously. Message: "<host>: <what> : <what to set>". */
export class NoCloudCredentialsError extends KpromoError<'NO_CLOUD_CREDENTIALS'> {
  constructor(host: string, what: string, hint: string, options?: { cause?: unknown }) {
    super('NO_CLOUD_CREDENTIALS', `${host}: ${what}: ${hint}`, options);
  }
}

/** The cloud identity exists but getting a registry credential from it failed: the run stops. */
export class CloudCredentialsError extends KpromoError<'CLOUD_CREDENTIALS_FAILED'> {
  constructor(host: string, provider: ProviderName, reason: string, hint: string, options?: { cause?: unknown }) {
    super('CLOUD_CREDENTIALS_FAILED', `${host}: ${provider} credentials failed: ${oneLine(reason)}: ${hint}`, options);
  }
}

/** What a user sets for each provider (the end of every failure line). */
export const PROVIDER_HINTS: Record<ProviderName, string> = {
  google: 'set GOOGLE_APPLICATION_CREDENTIALS or run on GKE with workload identity',
  'aws-ecr': 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, or run with an instance/pod role',
  'aws-ecr-public': 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, or run with an instance/pod role',
  azure: 'set AZURE_CLIENT_ID/AZURE_TENANT_ID with AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE, or run with a managed identity',
  github: 'set GITHUB_TOKEN',
};

/** Human names of the providers for messages. */
export const PROVIDER_TITLES: Record<ProviderName, string> = {
  google: 'Google',
  'aws-ecr': 'AWS',
  'aws-ecr-public': 'AWS',
  azure: 'Azure',
  github: 'GitHub',
};

/** The "no credentials" error of a provider, in its standard wording. */
export function noCredentials(host: string, provider: ProviderName, cause?: unknown): NoCloudCredentialsError {
  return new NoCloudCredentialsError(host, `no ${PROVIDER_TITLES[provider]} credentials`, PROVIDER_HINTS[provider], { cause });
}

/** A failure of a provider, in its standard wording (the SDK's message, on one line, without secrets it never holds). */
export function providerFailed(host: string, provider: ProviderName, cause: unknown): CloudCredentialsError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new CloudCredentialsError(host, provider, reason, PROVIDER_HINTS[provider], { cause });
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
