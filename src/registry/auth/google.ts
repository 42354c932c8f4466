/**
 * Google: Application Default Credentials through google-auth-library, in its order:
 * GOOGLE_APPLICATION_CREDENTIALS (service-account key, or external-account JSON for workload
 * identity federation), gcloud's user ADC file, then the GCE/GKE metadata server (GKE workload
 * identity). GCR and Artifact Registry take the access token as a password with the user name
 * `oauth2accesstoken` (https://cloud.google.com/artifact-registry/docs/docker/authentication).
 * The library reads the process environment (GCE_METADATA_HOST moves the metadata server).
 */
import type { GoogleAuth } from 'google-auth-library';
import { noCredentials, providerFailed, type CloudProvider } from './provider.js';

/** The scope registries accept for pulls and pushes. */
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** The user name GCR and Artifact Registry expect beside an access token. */
export const GOOGLE_TOKEN_USER = 'oauth2accesstoken';
/** google-auth-library's words when no ADC source exists (GoogleAuthExceptionMessages.NO_ADC_FOUND). */
const NO_ADC = /Could not load the default credentials/;

/** Where the library sends a service account's JWT-bearer token request (it ignores the key's `token_uri`). */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Options of the Google provider. */
export interface GoogleOptions {
  /** Test only: send service-account token requests here instead of GOOGLE_TOKEN_URL. */
  tokenEndpoint?: string;
}

/** Creates the Google provider; the library is imported here, on first use. */
export async function googleProvider(options: GoogleOptions = {}): Promise<CloudProvider> {
  const lib = await import('google-auth-library');
  const auth: GoogleAuth = new lib.GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
  const redirected = new WeakSet<object>();
  return {
    name: 'google',
    async credential(host) {
      let client;
      try {
        client = await auth.getClient();
        if (options.tokenEndpoint && !redirected.has(client)) {
          redirected.add(client);
          const to = new URL(options.tokenEndpoint);
          client.transporter.interceptors.request.add({
            resolved: async (cfg) => (String(cfg.url) === GOOGLE_TOKEN_URL ? { ...cfg, url: to } : cfg),
          });
        }
      } catch (err) {
        if (err instanceof Error && NO_ADC.test(err.message)) throw noCredentials(host, 'google', err);
        throw providerFailed(host, 'google', err);
      }
      try {
        // the library refreshes a token within 5 minutes of its expiry before handing it out
        const { token } = await client.getAccessToken();
        if (!token) throw new Error('no access token returned');
        const expiry = client.credentials.expiry_date;
        const ttlMs = typeof expiry === 'number' ? Math.max(0, expiry - Date.now()) : undefined;
        return { credential: { kind: 'basic', username: GOOGLE_TOKEN_USER, password: token }, ttlMs };
      } catch (err) {
        throw providerFailed(host, 'google', err);
      }
    },
  };
}
