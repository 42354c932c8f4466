import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { main, type CliIO } from '../../src/cli/main.js';
import { startRegistryServer, type RegistryServer } from '../../src/registry/server/server.js';
import { seedImage, type ImageData } from '../support/seed.js';
import { tempTrees } from '../support/tree.js';
import { captureIO } from '../support/cli.js';

const tree = tempTrees();
let staging: RegistryServer;
let locked: RegistryServer;
let closedHost: string;
let app: ImageData;

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

before(async () => {
  staging = await startRegistryServer({ host: '127.0.0.1', port: 0 });
  locked = await startRegistryServer({ host: '127.0.0.1', port: 0, basicAuth: { username: 'u', password: 'secret-pw' } });
  closedHost = `127.0.0.1:${await closedPort()}`;
  app = await seedImage({ url: staging.url }, 'staging/app', 'v1', { seed: 'diagnose-app' });
});
after(async () => {
  await staging.stop();
  await locked.stop();
});

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO(env);
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const manifest = (): string =>
  `registries:\n- name: ${staging.host}/staging\n  src: true\n- name: ${locked.host}/prod\n- name: ${closedHost}/prod\n` +
  `images:\n- name: app\n  dmap:\n    "${app.digest}": ["v1", "v2"]\n`;

test('an unreachable and an unauthorized registry are one line each: host, what was tried, what to do, edges affected', async () => {
  const dir = await tree({ 'm.yaml': manifest(), 'docker/.keep': '' });
  const env = { DOCKER_CONFIG: join(dir, 'docker') };
  const r = await run(['cip', '--manifest', join(dir, 'm.yaml'), '--sign=false', '--registry-retries', '1'], env);
  assert.equal(r.code, 1, r.err); // a dry run that could not read what it needs fails, as a presubmit must
  const errors = r.err.split('\n').filter((l) => l.startsWith('error') && !l.startsWith('error: dry run'));
  assert.equal(errors.length, 2, r.err);
  assert.match(r.err, /^error: dry run: a --confirm run would fail: 4 edges need a repository that could not be read$/m);
  const unauthorized = errors.find((l) => l.includes(locked.host))!;
  assert.match(unauthorized, new RegExp(`^error ${locked.host} refused the credentials: HTTP 401 unauthorized \\(tried [a-z ]+ ${locked.host}`));
  assert.ok(unauthorized.includes(`credentials are read from ${join(dir, 'docker', 'config.json')}`), unauthorized);
  assert.ok(unauthorized.includes(`"docker login ${locked.host}"`), unauthorized);
  assert.match(unauthorized, / — 2 edges affected/);
  const unreachable = errors.find((l) => l.includes(closedHost))!;
  assert.match(unreachable, new RegExp(`^error ${closedHost} unreachable: connection refused \\(tried GET http://${closedHost}/v2/\\); check the registry address`));
  assert.match(unreachable, / — 2 edges affected/);
  assert.match(r.err, new RegExp(`^info  waiting [\\d.]+ s for ${closedHost}: connection refused, attempt 2/2$`, 'm'), 'the retry is visible');
  assert.doesNotMatch(r.err, /cannot plan|cannot read|ECONNREFUSED: connect/, 'per-edge detail is at debug');
  assert.doesNotMatch(r.err, /phase \d\/\d|phase \w+ done/, 'phase lines are at debug');
  // stdout: one line per cause as well
  assert.match(r.out, new RegExp(`^  unreadable ${closedHost}: connection refused \\(2 edges\\)$`, 'm'));
  assert.match(r.out, new RegExp(`^  unreadable ${locked.host}: HTTP 401 unauthorized \\(2 edges\\)$`, 'm'));
  assert.equal(r.out.split('\n').filter((l) => l.includes('unreadable')).length, 3, r.out); // the count line and two causes
});

test('at --log-level debug every edge is there, each naming its own failure (no other tag named)', async () => {
  const dir = await tree({ 'm.yaml': manifest(), 'docker/.keep': '' });
  const r = await run(['cip', '--manifest', join(dir, 'm.yaml'), '--sign=false', '--registry-retries', '0', '--log-level', 'debug'], { DOCKER_CONFIG: join(dir, 'docker') });
  const perEdge = r.err.split('\n').filter((l) => l.startsWith('debug cannot plan'));
  assert.equal(perEdge.length, 4, r.err);
  for (const l of perEdge) {
    assert.match(l, new RegExp(`^debug cannot plan ${staging.host}/staging/app@${app.digest} → [^ ]+/prod/app:v[12]: destination `));
    assert.match(l, /destination 127\.0\.0\.1:\d+\/prod\/app unreadable \((listing|resolving) tags\): /, 'the repository is named, not one tag');
    assert.doesNotMatch(l, /resolving tag v1/);
  }
  assert.match(r.err, /^debug phase 2\/\d+: plan/m);
});

test('a broken credentials file is named at setup (exit 2), without an internal error code', async () => {
  const dir = await tree({ 'm.yaml': manifest(), 'docker/config.json': '{not json' });
  const r = await run(['cip', '--manifest', join(dir, 'm.yaml'), '--sign=false', '--registry-retries', '0'], { DOCKER_CONFIG: join(dir, 'docker') });
  assert.equal(r.code, 2, r.err);
  assert.doesNotMatch(r.err + r.out, /INVALID_CREDENTIALS_FILE/);
  assert.match(r.err, /credentials file .*docker\/config\.json is not valid JSON/);
});

test('on a (fake) terminal a real promotion never writes a log line into the status line, and the line ends before the summary', async () => {
  const dst = await startRegistryServer({ host: '127.0.0.1', port: 0 });
  try {
    const dir = await tree({
      'm.yaml': `registries:\n- name: ${staging.host}/staging\n  src: true\n- name: ${dst.host}/prod\n- name: ${dst.host}/mirror\n` +
        `images:\n- name: app\n  dmap:\n    "${app.digest}": ["v1"]\n- name: ghost\n  dmap:\n    "${app.digest}": ["v1"]\n`,
    });
    let stream = '';
    let out = '';
    const io: CliIO = { stdout: (s) => void (out += s), stderr: (s) => void (stream += s), isTTY: true, env: {} };
    const code = await main(['cip', '--manifest', join(dir, 'm.yaml'), '--confirm', '--sign=false'], io);
    assert.equal(code, 0, stream);
    // replay the stream as a terminal would: \r + erase-line wipes the line being drawn
    const lines: string[] = [];
    let current = '';
    for (const part of stream.split(/(\r\x1b\[2K|\n)/)) {
      if (part === '\r\x1b[2K') current = '';
      else if (part === '\n') (lines.push(current), (current = ''));
      else current += part;
    }
    assert.equal(current, '', 'no status line left behind');
    assert.ok(lines.some((l) => l.startsWith('warn  _LOST_')), stream); // a log line during the run (ghost is not in staging)
    for (const l of lines) assert.match(l, /^(debug|info |warn |error) |^done: /, `a whole log line or the summary: ${JSON.stringify(l)}`);
    assert.match(lines.at(-1)!, /^done: promote: 2 image × destination copies/);
    assert.match(out, /^promoted 2, /);
  } finally {
    await dst.stop();
  }
});

test('--registry-auth-file: its credentials open a registry that asks for them; the 401 hint and the setup check name it', async () => {
  const auth = Buffer.from('u:secret-pw').toString('base64');
  const dir = await tree({
    'm.yaml': `registries:\n- name: ${staging.host}/staging\n  src: true\n- name: ${locked.host}/authfile\nimages:\n- name: app\n  dmap:\n    "${app.digest}": ["v1"]\n`,
    'auth.json': JSON.stringify({ auths: { [locked.host]: { auth } } }),
    'broken.json': '{not json',
    'docker/.keep': '',
  });
  const env = { DOCKER_CONFIG: join(dir, 'docker') };
  const ok = await run(['cip', '--manifest', join(dir, 'm.yaml'), '--sign=false', '--confirm', '--registry-auth-file', join(dir, 'auth.json')], env);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /promoted 1\b/);
  assert.doesNotMatch(ok.out + ok.err, /secret-pw|dTpzZWNyZXQtcHc/, 'the credentials never appear');

  const without = await run(['cip', '--manifest', join(dir, 'm.yaml'), '--sign=false', '--registry-retries', '0'], env);
  assert.equal(without.code, 1);
  assert.match(without.err, /--registry-auth-file/, 'the 401 hint says how to give credentials');

  const broken = await run(['cip', '--manifest', join(dir, 'm.yaml'), '--sign=false', '--registry-auth-file', join(dir, 'broken.json')], env);
  assert.equal(broken.code, 2, broken.err);
  assert.match(broken.err, /broken\.json is not valid JSON/);
});
