/**
 * Google credentials end to end: google-auth-library (the real one) gets tokens from a local
 * stand-in of Google's token endpoint (service-account key, JWT-bearer grant) and metadata
 * server (GKE workload identity), and kpromo presents them to a real Distribution registry whose
 * token server accepts only unexpired tokens the stand-in issued, as `oauth2accesstoken`.
 * A loopback registry is mapped to "Google" through the test-only host override.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createNetworkedClient } from '../../src/cli/network-client.js';
import { MemoryLogger } from '../../src/log.js';
import { RegistryError } from '../../src/registry/errors.js';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import { startDistribution, type Distribution } from '../support/distribution.js';
import { startGoogleStandIn, type GoogleStandIn } from '../support/google-stand-in.js';

let t = Date.now();
const now = (): number => t;
let stand: GoogleStandIn;
let reg: Distribution;
let dir: string;
const saved = { ...process.env };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kpromo-google-'));
  stand = await startGoogleStandIn({ expiresIn: 120, now });
  // The library must never look for a real metadata server or gcloud config from this machine.
  Object.assign(process.env, { GCE_METADATA_HOST: stand.host, CLOUDSDK_CONFIG: dir, GOOGLE_CLOUD_PROJECT: 'test-project' });
  reg = await startDistribution({
    tokenAuth: { username: 'oauth2accesstoken', password: 'unused', accept: (u, p) => u === 'oauth2accesstoken' && stand.valid(p) },
  });
});
after(async () => {
  process.env = saved;
  await reg?.stop();
  await stand?.stop();
  await rm(dir, { recursive: true, force: true });
});

function setEnv(vars: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

function client(logger = new MemoryLogger()) {
  const net = createNetworkedClient({}, {
    logger,
    env: { HOME: dir, DOCKER_CONFIG: dir }, // no credential files: the chain goes on to Google
    cloud: { hosts: { [reg.host]: 'google' }, now, endpoints: { googleToken: stand.tokenUrl } },
  });
  return { ...net, logger, close: async () => (await net.client.close(), await net.network.close()) };
}

const repo = () => ({ host: reg.host, repository: 'cloud/app' });

test('service-account key: the access token opens the registry, and is renewed across its expiry', async () => {
  const sa = join(dir, 'sa.json');
  await writeFile(sa, stand.serviceAccountJson);
  setEnv({ GOOGLE_APPLICATION_CREDENTIALS: sa, METADATA_SERVER_DETECTION: 'none' });
  const c = client();
  const anon = createHttpRegistryClient();
  try {
    assert.deepEqual(await c.client.listTags(repo()), []);
    assert.deepEqual(stand.issued.map((i) => i.source), ['service-account']);
    assert.deepEqual(stand.refused, []);
    const granted = reg.tokenServer!.requests.filter((r) => r.granted);
    assert.equal(granted.at(-1)?.user, 'oauth2accesstoken');

    t += 30_000; // registry token and access token still fresh: nothing fetched
    await c.client.listTags(repo());
    assert.equal(stand.issued.length, 1);

    t += 300_000; // both expired on the clock: a new access token, which the token server takes
    assert.deepEqual(await c.client.listTags(repo()), []);
    assert.equal(stand.issued.length, 2);
    assert.ok(stand.valid(stand.issued[1]!.token) && !stand.valid(stand.issued[0]!.token));

    assert.deepEqual(c.credentialSources(), [{ host: reg.host, source: 'google' }]);
    assert.ok(c.logger.records.some((r) => r.msg === 'registry credentials' && r.fields.source === 'google' && r.fields.host === reg.host));
    assert.ok(!JSON.stringify(c.logger.records).includes('ya29.'), 'tokens never reach the log');

    const err = await anon.listTags(repo()).catch((e: unknown) => e);
    assert.ok(err instanceof RegistryError && err.status === 401, String(err));
  } finally {
    await c.close();
    await anon.close();
  }
});

test('GKE workload identity: the metadata server (asked with Metadata-Flavor: Google) provides the token', async () => {
  setEnv({ GOOGLE_APPLICATION_CREDENTIALS: undefined, METADATA_SERVER_DETECTION: undefined });
  const c = client();
  try {
    assert.deepEqual(await c.client.listTags(repo()), []);
    assert.equal(stand.issued.at(-1)?.source, 'metadata');
    assert.deepEqual(stand.refused, []);
    const tokenReq = stand.stub.requests.find((r) => r.url.pathname.endsWith('/service-accounts/default/token'));
    assert.equal(tokenReq?.headers['metadata-flavor'], 'Google');
  } finally {
    await c.close();
  }
});

test('no Google identity: one warning line naming host, provider and what to set; the registry refuses anonymous', async () => {
  setEnv({ GOOGLE_APPLICATION_CREDENTIALS: undefined, METADATA_SERVER_DETECTION: 'none' });
  const c = client();
  try {
    const err = await c.client.listTags(repo()).catch((e: unknown) => e);
    assert.ok(err instanceof RegistryError && err.status === 401, String(err));
    const warns = c.logger.records.filter((r) => r.level === 'warn').map((r) => r.msg);
    assert.deepEqual(warns, [
      `${reg.host}: no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS or run on GKE with workload identity; using ${reg.host} anonymously`,
    ]);
  } finally {
    await c.close();
  }
});

test('a broken Google identity stops the request with one line naming host, provider and what to set', async () => {
  setEnv({ GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'missing.json'), METADATA_SERVER_DETECTION: 'none' });
  const c = client();
  try {
    const err = await c.client.listTags(repo()).catch((e: unknown) => e);
    assert.ok(err instanceof RegistryError, String(err));
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, new RegExp(`${reg.host}: google credentials failed: .*missing\\.json.*: set GOOGLE_APPLICATION_CREDENTIALS or run on GKE with workload identity`));
  } finally {
    await c.close();
  }
});
