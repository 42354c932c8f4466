/**
 * Which cloud owns a registry host, by its name alone (pure): Google for GCR and Artifact
 * Registry, AWS for ECR and ECR Public, Azure for ACR, GitHub for ghcr.io. A host no cloud owns
 * gets no provider and stays with the credential files or anonymous access.
 */

/** The cloud credential providers, by name (also the `source` recorded per host). */
export type ProviderName = 'google' | 'aws-ecr' | 'aws-ecr-public' | 'azure' | 'github';

/** Every provider name (for parsing overrides). */
export const PROVIDER_NAMES: readonly ProviderName[] = ['google', 'aws-ecr', 'aws-ecr-public', 'azure', 'github'];

/**
 * Private ECR: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html).
 */
const ECR_HOST = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The provider owning `host` (`name[:port]`), or undefined. `overrides` win (tests map loopback hosts). */
export function providerForHost(host: string, overrides: Readonly<Record<string, ProviderName>> = {}): ProviderName | undefined {
  const exact = overrides[host] ?? overrides[host.toLowerCase()];
  if (exact) return exact;
  const name = hostname(host);
  if (name === 'gcr.io' || name.endsWith('.gcr.io')) return 'google';
  if (name === 'pkg.dev' || name.endsWith('.pkg.dev')) return 'google';
  if (ECR_HOST.test(name)) return 'aws-ecr';
  if (name === 'public.ecr.aws') return 'aws-ecr-public';
  if (name.endsWith('.azurecr.io')) return 'azure';
  if (name === 'ghcr.io') return 'github';
  return undefined;
}

/** The AWS region of a private ECR host, or undefined when the name is not an ECR host. */
export function ecrRegion(host: string): string | undefined {
  return ECR_HOST.exec(hostname(host))?.[1];
}

/**
 * Parses `host=provider,host=provider` (the test-only `KPROMO_TEST_CLOUD_HOSTS` variable, which
 * lets a loopback registry stand in for a cloud one). Unknown providers are an error.
 */
export function parseProviderOverrides(text: string | undefined): Record<string, ProviderName> {
  const out: Record<string, ProviderName> = {};
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.lastIndexOf('=');
    const provider = item.slice(eq + 1) as ProviderName;
    if (eq <= 0 || !PROVIDER_NAMES.includes(provider)) {
      throw new Error(`invalid cloud host override "${item}": use host=${PROVIDER_NAMES.join('|')}`);
    }
    out[item.slice(0, eq).toLowerCase()] = provider;
  }
  return out;
}

function hostname(host: string): string {
  return host.toLowerCase().replace(/:\d+$/, '');
}
