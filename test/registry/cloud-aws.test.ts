/**
 * AWS credentials through the real AWS SDK v3 (default credential chain, here its environment
 * step) against a local ECR/ECR Public API that verifies SigV4 and answers GetAuthorizationToken
 * in the documented shape; the token opens a registry requiring `AWS:<password>` Basic auth.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createNetworkedClient } from '../../src/cli/network-client.js';
import { MemoryLogger } from '../../src/log.js';
import { ecrProvider, ecrPublicProvider } from '../../src/registry/auth/ecr.js';
import { RegistryError } from '../../src/registry/errors.js';
import { startRegistryServer, type RegistryServer } from '../../src/registry/server/server.js';
import { startAwsStandIn } from '../support/aws-stand-in.js';

let t = Date.now();
const now = (): number => t;
let dir: string;
const saved = { ...process.env };
const KEY = { accessKeyId: 'AKIDKPROMOTEST', secretAccessKey: 'kpromo-test-secret' };
const TWELVE_HOURS = 12 * 3600_000;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kpromo-aws-'));
  // only the environment step of the default chain may answer: no files, no instance metadata
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  Object.assign(process.env, {
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
after(async () => {
  process.env = saved;
  await rm(dir, { recursive: true, force: true });
});

const withKeys = () => Object.assign(process.env, { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey });

test('ECR: a SigV4-signed GetAuthorizationToken for the host region; its AWS:password opens the registry; reused until it expires', async () => {
  withKeys();
  process.env.AWS_REGION = 'eu-west-1'; // a loopback host names no region
  const api = await startAwsStandIn({ ...KEY, password: 'ecr-canary-pw', lifetimeMs: TWELVE_HOURS, now });
  const reg: RegistryServer = await startRegistryServer({ basicAuth: { username: 'AWS', password: 'ecr-canary-pw' } });
  const logger = new MemoryLogger();
  const net = createNetworkedClient({}, {
    logger,
    env: { HOME: dir, DOCKER_CONFIG: dir },
    cloud: { hosts: { [reg.host]: 'aws-ecr' }, now, endpoints: { ecr: api.url } },
  });
  try {
    assert.deepEqual(await net.client.listTags({ host: reg.host, repository: 'ecr/app' }), []);
    await net.client.listTags({ host: reg.host, repository: 'ecr/other' });
    assert.deepEqual(api.refused, []);
    assert.deepEqual(api.calls, [{ region: 'eu-west-1', service: 'ecr' }], 'one token for the region');
    t += TWELVE_HOURS - 3 * 60_000; // inside the renewal margin
    await net.client.listTags({ host: reg.host, repository: 'ecr/app' });
    assert.equal(api.calls.length, 2);
    assert.deepEqual(net.credentialSources(), [{ host: reg.host, source: 'aws-ecr' }]);
    assert.ok(!JSON.stringify(logger.records).includes('ecr-canary-pw'));
  } finally {
    await net.client.close();
    await net.network.close();
    await reg.stop();
    await api.stop();
  }
});

test('ECR: the region comes from the host name; ECR Public signs for us-east-1', async () => {
  withKeys();
  delete process.env.AWS_REGION;
  const api = await startAwsStandIn({ ...KEY, password: 'p1', lifetimeMs: TWELVE_HOURS, now });
  const pub = await startAwsStandIn({ ...KEY, password: 'p2', lifetimeMs: TWELVE_HOURS, now, publicApi: true });
  try {
    const got = await ecrProvider({ endpoint: api.url, now }).credential('123456789012.dkr.ecr.ap-south-2.amazonaws.com');
    assert.deepEqual(got.credential, { kind: 'basic', username: 'AWS', password: 'p1' });
    assert.equal(Math.round((got.ttlMs ?? 0) / 1000), TWELVE_HOURS / 1000);
    assert.deepEqual(api.calls, [{ region: 'ap-south-2', service: 'ecr' }]);
    const g2 = await ecrPublicProvider({ endpoint: pub.url, now }).credential('public.ecr.aws');
    assert.deepEqual(g2.credential, { kind: 'basic', username: 'AWS', password: 'p2' });
    assert.deepEqual(pub.refused, []);
    assert.deepEqual(pub.calls, [{ region: 'us-east-1', service: 'ecr-public' }]);
  } finally {
    await api.stop();
    await pub.stop();
  }
});

test('no AWS identity: "no AWS credentials" and what to set; a refusal by the API is one failure line', async () => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  const api = await startAwsStandIn({ ...KEY, password: 'p', lifetimeMs: TWELVE_HOURS, now });
  const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
  try {
    const none = await ecrProvider({ endpoint: api.url, now }).credential(host).catch((e: unknown) => e);
    assert.ok(none instanceof Error);
    assert.equal((none as { code?: string }).code, 'NO_CLOUD_CREDENTIALS');
    assert.match(none.message, new RegExp(`^${host.replace(/\./g, '\\.')}: no AWS credentials: set AWS_ACCESS_KEY_ID`));
    assert.equal(api.stub.requests.length, 0);

    Object.assign(process.env, { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong-secret' });
    const bad = await ecrProvider({ endpoint: api.url, now }).credential(host).catch((e: unknown) => e);
    assert.ok(bad instanceof Error && !(bad instanceof RegistryError));
    assert.equal((bad as { code?: string }).code, 'CLOUD_CREDENTIALS_FAILED');
    assert.doesNotMatch(bad.message, /\n/);
    assert.match(bad.message, /: aws-ecr credentials failed: .*signature does not verify.*: set AWS_ACCESS_KEY_ID/);
  } finally {
    await api.stop();
  }
});
