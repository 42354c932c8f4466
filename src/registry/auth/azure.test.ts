import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { createHttpTransport } from '../../net/http-transport.js';
import { startStub } from '../../../test/support/stub-http.js';
import { ACR_SCOPE, ACR_TOKEN_USER, azureProvider } from './azure.js';

const entra = (token: string, expiresOnTimestamp: number, scopes: string[][] = []): TokenCredential => ({
  async getToken(scope): Promise<AccessToken> {
    scopes.push([scope].flat());
    return { token, expiresOnTimestamp };
  },
});

test('ACR: the Entra token is exchanged at /oauth2/exchange; the refresh token is the password of the all-zero user', async () => {
  const stub = await startStub((req) => {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const ok =
      req.method === 'POST' &&
      req.url.pathname === '/oauth2/exchange' &&
      req.headers['content-type'] === 'application/x-www-form-urlencoded' &&
      form.get('grant_type') === 'access_token' &&
      form.get('access_token') === 'entra-token' &&
      form.get('service') === stub.host;
    return ok ? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: 'acr-refresh' }) } : { status: 400 };
  });
  const transport = createHttpTransport();
  const scopes: string[][] = [];
  try {
    const p = azureProvider({ transport, scheme: () => 'http:', credential: entra('entra-token', 5_000_000, scopes), now: () => 1_000_000 });
    const got = await p.credential(stub.host);
    assert.deepEqual(got, { credential: { kind: 'basic', username: ACR_TOKEN_USER, password: 'acr-refresh' }, ttlMs: 4_000_000 });
    assert.deepEqual(scopes, [[ACR_SCOPE]]);
  } finally {
    await transport.close();
    await stub.stop();
  }
});

test('ACR: a refused exchange is one failure line; an unavailable Entra identity is "no Azure credentials"', async () => {
  const stub = await startStub(() => ({ status: 401 }));
  const transport = createHttpTransport();
  try {
    const bad = await azureProvider({ transport, scheme: () => 'http:', credential: entra('t', 0) }).credential(stub.host).catch((e: unknown) => e);
    assert.equal((bad as { code?: string }).code, 'CLOUD_CREDENTIALS_FAILED');
    assert.match((bad as Error).message, /: azure credentials failed: token exchange at .*\/oauth2\/exchange answered 401: set AZURE_CLIENT_ID/);
    const unavailable: TokenCredential = {
      async getToken() {
        throw Object.assign(new Error('EnvironmentCredential is unavailable'), { name: 'CredentialUnavailableError' });
      },
    };
    const none = await azureProvider({ transport, scheme: () => 'http:', credential: unavailable }).credential('myreg.azurecr.io').catch((e: unknown) => e);
    assert.equal((none as { code?: string }).code, 'NO_CLOUD_CREDENTIALS');
    assert.match((none as Error).message, /^myreg\.azurecr\.io: no Azure credentials: set AZURE_CLIENT_ID/);
    assert.equal(stub.requests.length, 1);
  } finally {
    await transport.close();
    await stub.stop();
  }
});
