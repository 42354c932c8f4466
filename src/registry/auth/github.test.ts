import assert from 'node:assert/strict';
import { test } from 'node:test';
import { githubProvider } from './github.js';

test('ghcr.io: GITHUB_TOKEN is the password; without it, "no GitHub credentials: set GITHUB_TOKEN"', async () => {
  const got = await githubProvider({ GITHUB_TOKEN: 'ghs_x', GITHUB_ACTOR: 'octo' }).credential('ghcr.io');
  assert.deepEqual(got.credential, { kind: 'basic', username: 'octo', password: 'ghs_x' });
  const err = await githubProvider({}).credential('ghcr.io').catch((e: unknown) => e);
  assert.equal((err as Error).message, 'ghcr.io: no GitHub credentials: set GITHUB_TOKEN');
});
