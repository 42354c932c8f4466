/**
 * GitHub Container Registry: `GITHUB_TOKEN` (an Actions job token or a personal access token)
 * as the password; ghcr.io ignores the user name, GITHUB_ACTOR is sent when set.
 */
import { noCredentials, type CloudProvider } from './provider.js';

/** Creates the GitHub provider over an environment. */
export function githubProvider(env: NodeJS.ProcessEnv): CloudProvider {
  return {
    name: 'github',
    async credential(host) {
      const token = env.GITHUB_TOKEN;
      if (!token) throw noCredentials(host, 'github');
      return { credential: { kind: 'basic', username: env.GITHUB_ACTOR || 'kpromo', password: token } };
    },
  };
}
