/**
 * Setup checks of `kpromo cip --confirm` through main(), against real Distribution behind fault
 * proxies that count every request: a bad identity token, a broken credentials file or an
 * unusable --report-file folder is exit 2 with no request sent; no token text is ever printed
 * or written, also when a dependency (Fulcio) echoes it in an error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isolatedEnv, runCli, type CliResult } from '../support/cli.js';
import { buildImage, fetchManifest, pushImage, type ImageData } from '../support/seed.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startStub, type HttpStub } from '../support/stub-http.js';
import { startEnv, writeManifest, type E2eEnv } from '../e2e/harness.js';

let env: E2eEnv;
let img: ImageData;
let proxies: FaultProxy[];
let manifest: string;
let fulcio: HttpStub;

const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);
const jwt = (claims: object): string => `${enc({ alg: 'RS256', kid: 'k' })}.${enc({ iss: 'https://issuer.test', sub: 'p@x', email: 'p@x', email_verified: true, aud: 'sigstore', iat: now(), exp: now() + 600, ...claims })}.U2lnbmF0dXJlT2ZUaGVUb2tlbg`;

before(async () => {
  env = await startEnv(1);
  img = buildImage({ seed: 'setup-checks' });
  await pushImage(env.staging, 'staging/app', img, 'v1');
  proxies = [await startFaultProxy({ target: env.staging.url }), await startFaultProxy({ target: env.mirrors[0]!.url })];
  manifest = await writeManifest(env.dir, `${proxies[0]!.host}/staging`, [`${proxies[1]!.host}/prod`], [{ name: 'app', dmap: { [img.digest]: ['v1'] } }]);
  // a Fulcio that refuses every token and quotes it back, as careless servers do
  fulcio = await startStub((req) => ({ status: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 401, message: `invalid identity token: ${req.headers.authorization ?? ''} ${req.body.toString()}` }) }));
});
after(async () => {
  await fulcio.stop();
  await Promise.all(proxies.map((p) => p.stop()));
  await env.stop();
});

const requests = (): number => proxies.reduce((n, p) => n + p.counters().requests, 0);

const cli = (args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> => runCli(args, isolatedEnv(env.dir, extraEnv));

const keyless = (tokenFile: string): string[] => ['--identity-token', tokenFile, '--fulcio-url', `http://${fulcio.host}`, '--rekor-url', `http://${fulcio.host}`, '--tsa-url', ''];

for (const c of [
  { name: 'not a JWT', token: 'ya29.a0AfB_byC-opaqueGoogleAccessTokenValue0123456789', why: /not a JWT/ },
  { name: 'expired', token: jwt({ exp: now() - 3600 }), why: /expired at/ },
  { name: 'wrong audience', token: jwt({ aud: 'https://iam.example/project' }), why: /audience is "https:\/\/iam.example\/project", not "sigstore"/ },
]) {
  test(`identity token ${c.name}: exit 2 at setup, no request, the token printed nowhere`, async () => {
    const tokenFile = join(env.dir, `token-${c.name.replace(/\W/g, '-')}`);
    await writeFile(tokenFile, c.token);
    const report = join(env.dir, `report-${c.name.replace(/\W/g, '-')}.json`);
    const before = requests();
    const r = await cli(['cip', '--manifest', manifest, '--confirm', '--report-file', report, ...keyless(tokenFile)]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, c.why);
    assert.match(r.err, new RegExp(`from file ${tokenFile}`));
    assert.equal(requests() - before, 0, 'no request reached a registry');
    assert.equal(fulcio.requests.length, 0, 'nor Fulcio');
    for (const part of c.token.split('.').filter((p) => p.length > 8)) {
      assert.ok(!r.out.includes(part) && !r.err.includes(part), 'no part of the token is printed');
    }
    await assert.rejects(stat(report), { code: 'ENOENT' }, 'no report: nothing was attempted');
  });
}

test('a token Fulcio refuses and echoes: the copy happens, signing fails (exit 1), and the token is in no output or report', async () => {
  const token = jwt({});
  const tokenFile = join(env.dir, 'token-good-shape');
  await writeFile(tokenFile, token);
  const report = join(env.dir, 'report-echo.json');
  const m = await writeManifest(env.dir, `${proxies[0]!.host}/staging`, [`${proxies[1]!.host}/echo`], [{ name: 'app', dmap: { [img.digest]: ['v1'] } }]);
  const r = await cli(['cip', '--manifest', m, '--confirm', '--report-file', report, '--log-level', 'debug', ...keyless(tokenFile)]);
  assert.equal(r.code, 1, r.err);
  assert.ok(fulcio.requests.length > 0, 'Fulcio was asked');
  const doc = await readFile(report, 'utf8');
  for (const part of token.split('.')) {
    for (const [where, text] of [['stdout', r.out], ['stderr', r.err], ['report', doc]] as const) {
      assert.ok(!text.includes(part), `${where} holds part of the token:\n${text}`);
    }
  }
  assert.match(r.err + doc, /\[REDACTED\]/, 'the echo was there, redacted');
});

test('a broken docker config.json: exit 2 naming the file, no request', async () => {
  const dir = join(env.dir, 'docker-broken');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), '{"auths": {"registry.example": {"auth": "not base64 of user:pass!"}}');
  const before = requests();
  const r = await cli(['cip', '--manifest', manifest, '--confirm', '--sign=false'], { DOCKER_CONFIG: dir });
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, new RegExp(`credentials file ${join(dir, 'config.json')} is not valid JSON`));
  assert.equal(requests() - before, 0);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { 'registry.example': { auth: Buffer.from('no-colon').toString('base64') } } }));
  const shape = await cli(['cip', '--manifest', manifest, '--confirm', '--sign=false'], { DOCKER_CONFIG: dir });
  assert.equal(shape.code, 2, shape.err);
  assert.match(shape.err, /auths entry for registry.example whose "auth" is not base64 of user:password/);
  const containers = join(env.dir, 'auth.json');
  await writeFile(containers, '[]');
  const c = await cli(['cip', '--manifest', manifest, '--confirm', '--sign=false'], { REGISTRY_AUTH_FILE: containers });
  assert.equal(c.code, 2, c.err);
  assert.match(c.err, new RegExp(`credentials file ${containers} is not a JSON object`));
  assert.equal(requests() - before, 0);
});

test('an unusable --report-file folder: exit 2 before any request or write', async () => {
  const file = join(env.dir, 'plain-file');
  await writeFile(file, '');
  const asDir = join(env.dir, 'report-is-a-dir');
  await mkdir(asDir, { recursive: true });
  const m = await writeManifest(env.dir, `${proxies[0]!.host}/staging`, [`${proxies[1]!.host}/noreport`], [{ name: 'app', dmap: { [img.digest]: ['v1'] } }]);
  const before = requests();
  for (const [report, why] of [
    [join(env.dir, 'missing-dir', 'r.json'), /folder .*missing-dir does not exist/],
    [join(file, 'r.json'), /folder .*plain-file is not a folder/],
    [asDir, /report file .*report-is-a-dir is a folder/],
  ] as const) {
    const r = await cli(['cip', '--manifest', m, '--confirm', '--sign=false', '--report-file', report]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, why);
  }
  assert.equal(requests() - before, 0, 'no request');
  assert.equal((await fetchManifest(env.mirrors[0]!, 'noreport/app', 'v1')).status, 404, 'nothing promoted');
});
