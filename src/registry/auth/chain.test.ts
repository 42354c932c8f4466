import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLogger } from '../../log.js';
import { staticCredentials, type Credential } from '../http/credentials.js';
import { credentialChain } from './chain.js';
import { fakeProvider, type FakeProvider } from './fake.js';
import type { ProviderName } from './hosts.js';

const basic = (password: string): Credential => ({ kind: 'basic', username: 'u', password });

function chainWith(providers: Partial<Record<ProviderName, FakeProvider>>, explicit: Record<string, Credential> = {}, now = () => 0) {
  const logger = new MemoryLogger();
  const loaded: ProviderName[] = [];
  const chain = credentialChain({
    explicit: staticCredentials(explicit),
    loadProvider: async (name) => {
      loaded.push(name);
      const p = providers[name];
      if (!p) throw new Error(`no fake for ${name}`);
      return p;
    },
    now,
    logger,
  });
  return { chain, logger, loaded };
}

test('explicit credentials come first; the cloud provider is not even loaded', async () => {
  const google = fakeProvider({ name: 'google', credentials: [basic('cloud')] });
  const { chain, loaded } = chainWith({ google }, { 'gcr.io': basic('file') });
  assert.deepEqual(await chain.get('gcr.io'), basic('file'));
  assert.deepEqual(loaded, []);
  assert.deepEqual(chain.sources(), [{ host: 'gcr.io', source: 'explicit' }]);
});

test('a cloud host without explicit credentials gets its provider; other hosts stay anonymous', async () => {
  const google = fakeProvider({ name: 'google', credentials: [basic('cloud')] });
  const { chain, loaded, logger } = chainWith({ google });
  assert.deepEqual(await chain.get('us-docker.pkg.dev'), basic('cloud'));
  assert.equal(await chain.get('registry.example.com'), undefined);
  assert.deepEqual(loaded, ['google']);
  assert.deepEqual(chain.sources(), [
    { host: 'registry.example.com', source: 'anonymous' },
    { host: 'us-docker.pkg.dev', source: 'google' },
  ]);
  const lines = logger.records.filter((r) => r.msg === 'registry credentials').map((r) => r.fields);
  assert.deepEqual(lines, [
    { host: 'us-docker.pkg.dev', source: 'google' },
    { host: 'registry.example.com', source: 'anonymous' },
  ]);
  assert.ok(!JSON.stringify(logger.records).includes('cloud"'), 'secrets are not logged');
});

test('a cloud credential is reused until shortly before it expires, then fetched again', async () => {
  let t = 1_000_000;
  const google = fakeProvider({ name: 'google', credentials: [basic('t1'), basic('t2')], ttlMs: 60 * 60_000 });
  const { chain } = chainWith({ google }, {}, () => t);
  await Promise.all([chain.get('gcr.io'), chain.get('gcr.io')]);
  assert.equal(google.asked.length, 1, 'concurrent gets share one fetch');
  t += 55 * 60_000;
  assert.deepEqual(await chain.get('gcr.io'), basic('t1'));
  t += 2 * 60_000; // 57 min: inside the 4-minute renewal margin
  assert.deepEqual(await chain.get('gcr.io'), basic('t2'));
  assert.equal(google.asked.length, 2);
});

test('no cloud identity: one warning line naming host, provider and what to set; then anonymous', async () => {
  const google = fakeProvider({ name: 'google' });
  const { chain, logger } = chainWith({ google });
  assert.equal(await chain.get('gcr.io'), undefined);
  assert.equal(await chain.get('gcr.io'), undefined);
  assert.equal(google.asked.length, 1, 'not asked again for the run');
  const warns = logger.records.filter((r) => r.level === 'warn');
  assert.deepEqual(
    warns.map((w) => w.msg),
    ['gcr.io: no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS or run on GKE with workload identity; using gcr.io anonymously'],
  );
  assert.equal(chain.sources()[0]?.source, 'anonymous');
});

test('a broken cloud identity fails with one line naming host, provider and what to set', async () => {
  const aws = fakeProvider({ name: 'aws-ecr', fail: 'AccessDeniedException: not authorized\n  to perform ecr:GetAuthorizationToken' });
  const { chain } = chainWith({ 'aws-ecr': aws });
  const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
  const err = await chain.get(host).catch((e: unknown) => e);
  assert.ok(err instanceof Error);
  assert.equal((err as { code?: string }).code, 'CLOUD_CREDENTIALS_FAILED');
  assert.doesNotMatch(err.message, /\n/);
  assert.match(err.message, new RegExp(`^${host.replace(/\./g, '\\.')}: aws-ecr credentials failed: AccessDeniedException: not authorized to perform ecr:GetAuthorizationToken: set AWS_ACCESS_KEY_ID`));
  await chain.get(host).catch(() => undefined);
  assert.equal(aws.asked.length, 2, 'a failure is not cached');
});

test('overrides let a loopback host stand in for a cloud registry', async () => {
  const github = fakeProvider({ name: 'github', credentials: [basic('gh')] });
  const chain = credentialChain({
    explicit: staticCredentials({}),
    loadProvider: async () => github,
    overrides: { '127.0.0.1:5000': 'github' },
  });
  assert.deepEqual(await chain.get('127.0.0.1:5000'), basic('gh'));
});
