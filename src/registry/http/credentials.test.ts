import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dockerCredentials, normaliseAuthKey } from './credentials.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kpromo-creds-'));
  dirs.push(d);
  return d;
}

test('auth keys normalise scheme and path away', () => {
  assert.equal(normaliseAuthKey('https://index.docker.io/v1/'), 'index.docker.io');
  assert.equal(normaliseAuthKey('127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(normaliseAuthKey('http://Reg.Example:443/x'), 'reg.example:443');
});

test('docker config.json auths: base64 auth, username/password, identitytoken; then REGISTRY_AUTH_FILE', async () => {
  const dir = await tempDir();
  const b64 = Buffer.from('alice:pa:ss').toString('base64');
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      auths: {
        'https://a.example/v1/': { auth: b64 },
        'b.example': { username: 'bob', password: 'bpw' },
        'c.example': { auth: Buffer.from('carol:').toString('base64'), identitytoken: 'refresh-1' },
      },
    }),
  );
  const authFile = join(dir, 'auth.json');
  await writeFile(authFile, JSON.stringify({ auths: { 'd.example': { auth: Buffer.from('dan:dpw').toString('base64') } } }));
  const store = dockerCredentials({ env: { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: authFile, PATH: process.env.PATH } });
  assert.deepEqual(await store.get('a.example'), { kind: 'basic', username: 'alice', password: 'pa:ss' });
  assert.deepEqual(await store.get('b.example'), { kind: 'basic', username: 'bob', password: 'bpw' });
  assert.deepEqual(await store.get('c.example'), { kind: 'identity', username: 'carol', identityToken: 'refresh-1' });
  assert.deepEqual(await store.get('d.example'), { kind: 'basic', username: 'dan', password: 'dpw' });
  assert.equal(await store.get('e.example'), undefined);
});

test('~/.docker/config.json is the default location', async () => {
  const home = await tempDir();
  await mkdir(join(home, '.docker'));
  await writeFile(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'h.example': { username: 'u', password: 'p' } } }));
  const store = dockerCredentials({ env: { PATH: process.env.PATH }, home });
  assert.deepEqual(await store.get('h.example'), { kind: 'basic', username: 'u', password: 'p' });
});

test('credHelpers and credsStore run docker-credential-<name> get with the host on stdin', async () => {
  const dir = await tempDir();
  const bin = join(dir, 'bin');
  await mkdir(bin);
  // the helper echoes the server URL it was given back as the username, so the test sees stdin arrived
  const script = [
    '#!/bin/sh',
    '[ "$1" = get ] || exit 3',
    'read -r host',
    'case "$host" in',
    '  tok.example) echo "{\\"Username\\":\\"<token>\\",\\"Secret\\":\\"idtok\\"}" ;;',
    '  unknown.example) echo "credentials not found in native keychain"; exit 1 ;;',
    '  *) echo "{\\"Username\\":\\"$host\\",\\"Secret\\":\\"helper-secret\\"}" ;;',
    'esac',
  ].join('\n');
  for (const name of ['test', 'store']) {
    await writeFile(join(bin, `docker-credential-${name}`), script);
    await chmod(join(bin, `docker-credential-${name}`), 0o755);
  }
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ credsStore: 'store', credHelpers: { 'helped.example:5000': 'test', 'tok.example': 'test' }, auths: { 'unknown.example': { username: 'x', password: 'y' } } }),
  );
  const store = dockerCredentials({ env: { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` } });
  assert.deepEqual(await store.get('helped.example:5000'), { kind: 'basic', username: 'helped.example:5000', password: 'helper-secret' });
  assert.deepEqual(await store.get('tok.example'), { kind: 'identity', username: '<token>', identityToken: 'idtok' });
  assert.deepEqual(await store.get('other.example'), { kind: 'basic', username: 'other.example', password: 'helper-secret' });
  // the store knows nothing: fall back to auths
  assert.deepEqual(await store.get('unknown.example'), { kind: 'basic', username: 'x', password: 'y' });
});

test('a missing helper is an error that names it but no secret', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: 'absent-helper-xyz' }));
  const store = dockerCredentials({ env: { DOCKER_CONFIG: dir, PATH: dir } });
  await assert.rejects(store.get('x.example'), /docker-credential-absent-helper-xyz could not run/);
});
