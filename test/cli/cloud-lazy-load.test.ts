/**
 * The cloud SDKs are loaded on use only: a promotion between loopback registries (one needing
 * credentials from docker's config.json, so the credential chain runs) loads none of them, while
 * the same run with a registry mapped to Google loads google-auth-library (proving the check
 * sees loads). So is the CEL engine of policies (≈ 0.1 s of start-up): only a run with --policy
 * loads it. kpromo runs as a child process whose module resolutions a loader hook records.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startRegistryServer, type RegistryServer } from '../../src/registry/server/server.js';
import { seedImage } from '../support/seed.js';
import { writeManifest } from '../e2e/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SDKS = ['google-auth-library', '@aws-sdk/', '@azure/identity', '/src/registry/auth/google.ts', '/src/registry/auth/ecr.ts', '/src/registry/auth/azure.ts'];
const MIRROR_AUTH = { username: 'mirror-user', password: 'mirror-pw' };

let dir: string;
let staging: RegistryServer;
let mirror: RegistryServer;
let manifest: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kpromo-lazy-'));
  staging = await startRegistryServer();
  mirror = await startRegistryServer({ basicAuth: MIRROR_AUTH });
  const img = await seedImage({ url: staging.url }, 'staging/app', 'v1', { seed: 'lazy-load' });
  manifest = await writeManifest(dir, `${staging.host}/staging`, [`${mirror.host}/prod`], [{ name: 'app', dmap: { [img.digest]: ['v1'] } }]);
});
after(async () => {
  await staging?.stop();
  await mirror?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `kpromo cip` in a child; returns its exit code, output and the modules it resolved. */
async function runKpromo(name: string, extraEnv: Record<string, string>, dockerConfig: object, extraArgs: string[] = []): Promise<{ code: number | null; out: string; modules: string[]; report: string }> {
  const home = join(dir, name);
  await import('node:fs/promises').then((fs) => fs.mkdir(home, { recursive: true }));
  await writeFile(join(home, 'config.json'), JSON.stringify(dockerConfig));
  const log = join(home, 'imports.log');
  const script = "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv.slice(1));";
  const args = ['--import', 'tsx', '--import', './test/support/import-log.mjs', '--input-type=module', '-e', script, 'cip', '--manifest', manifest, '--confirm', '--sign=false', '--report-file', join(home, 'report.json'), ...extraArgs];
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // no cloud identity of this machine may be used, nor a metadata server probed
    env: { PATH: process.env.PATH, HOME: home, DOCKER_CONFIG: home, CLOUDSDK_CONFIG: home, METADATA_SERVER_DETECTION: 'none', GCE_METADATA_HOST: '127.0.0.1:9', KPROMO_IMPORT_LOG: log, ...extraEnv },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const modules = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const report = await readFile(join(home, 'report.json'), 'utf8').catch(() => '{}');
  return { code, out, modules, report };
}

const cloudModules = (modules: string[]) => modules.filter((m) => SDKS.some((s) => m.includes(s)));

test('a loopback promotion loads no cloud SDK', async () => {
  const auths = { auths: { [mirror.host]: { auth: Buffer.from(`${MIRROR_AUTH.username}:${MIRROR_AUTH.password}`).toString('base64') } } };
  const run = await runKpromo('plain', {}, auths);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /promoted 1/);
  assert.ok(run.modules.some((m) => m.includes('/src/registry/auth/chain.ts')), 'the hook saw the credential chain load');
  assert.deepEqual(cloudModules(run.modules), []);
  assert.deepEqual(run.modules.filter((m) => m.includes('@bufbuild/cel')), [], 'no policy: no CEL engine');
  // the report says which source authenticated each host that asked for credentials, never the secret
  assert.deepEqual(JSON.parse(run.report).credentials, [{ host: mirror.host, source: 'explicit' }]);
  assert.ok(!run.report.includes(MIRROR_AUTH.password));
});

test('the same run with the mirror mapped to Google loads google-auth-library (and no other SDK)', async () => {
  const run = await runKpromo('google', { KPROMO_TEST_CLOUD_HOSTS: `${mirror.host}=google` }, {});
  assert.match(run.out, /no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS/);
  const loaded = cloudModules(run.modules);
  assert.ok(loaded.some((m) => m.includes('google-auth-library')), loaded.join('\n'));
  assert.ok(!loaded.some((m) => m.includes('@aws-sdk/') || m.includes('@azure/identity')), loaded.join('\n'));
  const credentials = JSON.parse(run.report).credentials as { host: string; source: string; note?: string }[];
  assert.equal(credentials[0]?.source, 'anonymous');
  assert.match(credentials[0]?.note ?? '', /no Google credentials/);
});

test('a run with a policy loads the CEL engine', async () => {
  const policy = join(dir, 'policy.yaml');
  await writeFile(
    policy,
    `apiVersion: kpromo.sigs.k8s.io/v1alpha1
kind: PromotionPolicy
roles:
- {name: releaser, rules: [{name: everything, condition: 'edge.tag != ""'}]}
bindings:
- {name: ci, role: releaser, subjects: [{kind: User, name: ci@example.com}]}
`,
  );
  const auths = { auths: { [mirror.host]: { auth: Buffer.from(`${MIRROR_AUTH.username}:${MIRROR_AUTH.password}`).toString('base64') } } };
  const run = await runKpromo('policy', {}, auths, ['--policy', policy, '--principal', 'ci@example.com']);
  assert.equal(run.code, 0, run.out);
  assert.ok(run.modules.some((m) => m.includes('@bufbuild/cel')), 'the CEL engine compiled the condition');
});
