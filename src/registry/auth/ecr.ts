/**
 * AWS ECR and ECR Public: `GetAuthorizationToken` signed with the AWS SDK v3 default credential
 * chain (environment, shared config/SSO, web identity (EKS IRSA, GitHub OIDC), ECS/EC2 roles).
 * The token decodes to `AWS:<password>` and is valid 12 hours for every registry the identity
 * may use in that region, so it is fetched once per region (ECR Public: once) and reused.
 */
import type { Credential } from '../http/credentials.js';
import { ecrRegion, type ProviderName } from './hosts.js';
import { noCredentials, providerFailed, type CloudCredential, type CloudProvider } from './provider.js';

/** Options of the ECR providers. */
export interface EcrOptions {
  /** API endpoint instead of the region's (tests point it at a local stand-in). */
  endpoint?: string;
  /** Clock in ms, for token expiry. */
  now?: () => number;
}

/** ECR Public's API lives in us-east-1 only (https://docs.aws.amazon.com/AmazonECR/latest/public/public-registry-auth.html). */
const ECR_PUBLIC_REGION = 'us-east-1';
/** Reuse a regional token until this long before it expires. */
const REUSE_MARGIN_MS = 5 * 60_000;

interface RawToken {
  authorizationToken?: string;
  expiresAt?: Date;
}

/** Private ECR (`<account>.dkr.ecr.<region>.amazonaws.com`). */
export function ecrProvider(options: EcrOptions = {}): CloudProvider {
  return regional('aws-ecr', options, async (region) => {
    const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
    const client = new ECRClient({ ...(region ? { region } : {}), ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    try {
      const out = await client.send(new GetAuthorizationTokenCommand({}));
      return out.authorizationData?.[0] ?? {};
    } finally {
      client.destroy();
    }
  });
}

/** ECR Public (`public.ecr.aws`). */
export function ecrPublicProvider(options: EcrOptions = {}): CloudProvider {
  return regional('aws-ecr-public', options, async () => {
    const { ECRPUBLICClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr-public');
    const client = new ECRPUBLICClient({ region: ECR_PUBLIC_REGION, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    try {
      return (await client.send(new GetAuthorizationTokenCommand({}))).authorizationData ?? {};
    } finally {
      client.destroy();
    }
  });
}

/** A provider that fetches one token per region and reuses it until shortly before it expires. */
function regional(name: ProviderName, options: EcrOptions, fetch: (region: string | undefined) => Promise<RawToken>): CloudProvider {
  const now = options.now ?? Date.now;
  const byRegion = new Map<string, Promise<{ credential: Credential; expiresAt?: number }>>();
  const load = async (host: string, region: string | undefined) => {
    let raw: RawToken;
    try {
      raw = await fetch(region);
    } catch (err) {
      if (isNoCredentials(err)) throw noCredentials(host, name, err);
      throw providerFailed(host, name, err);
    }
    const decoded = Buffer.from(raw.authorizationToken ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw providerFailed(host, name, new Error('GetAuthorizationToken returned no user:password token'));
    const credential: Credential = { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    return { credential, expiresAt: raw.expiresAt?.getTime() };
  };
  return {
    name,
    async credential(host): Promise<CloudCredential> {
      const region = name === 'aws-ecr' ? ecrRegion(host) : ECR_PUBLIC_REGION;
      const key = region ?? '';
      let p = byRegion.get(key);
      const cached = p ? await p.catch(() => undefined) : undefined;
      if (!cached || (cached.expiresAt !== undefined && cached.expiresAt - REUSE_MARGIN_MS <= now())) {
        if (byRegion.get(key) === p) byRegion.delete(key);
        p = byRegion.get(key) ?? load(host, region);
        byRegion.set(key, p);
        p.catch(() => byRegion.get(key) === p && byRegion.delete(key));
      }
      const got = await p!;
      return { credential: got.credential, ttlMs: got.expiresAt === undefined ? undefined : Math.max(0, got.expiresAt - now()) };
    },
  };
}

/** The SDK's "no credential source" failure (CredentialsProviderError from the default chain). */
function isNoCredentials(err: unknown): boolean {
  return err instanceof Error && (err.name === 'CredentialsProviderError' || /Could not load credentials from any providers/.test(err.message));
}
