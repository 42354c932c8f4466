import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { commandTokenProvider, fileTokenProvider, jwtClaims, resolveTokenProvider } from './identity-token.js';

test('token sources: file flag first, then SIGSTORE_ID_TOKEN, then a command; none gives undefined', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'tok');
  await writeFile(file, '  from-file\n');
  assert.equal(await resolveTokenProvider({ identityTokenFile: file }, { SIGSTORE_ID_TOKEN: 'from-env' })!.getToken(), 'from-file');
  assert.equal(await resolveTokenProvider({}, { SIGSTORE_ID_TOKEN: 'from-env' })!.getToken(), 'from-env');
  const cmd = [process.execPath, '-e', 'process.stdout.write("from-cmd\\n")'];
  assert.equal(await resolveTokenProvider({ identityTokenCommand: cmd }, {})!.getToken(), 'from-cmd');
  assert.equal(resolveTokenProvider({}, { SIGSTORE_ID_TOKEN: '  ' }), undefined);
});

test('unusable token sources are input errors naming the way out', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const empty = join(dir, 'empty');
  await writeFile(empty, '');
  const cases = [
    fileTokenProvider(join(dir, 'missing')),
    fileTokenProvider(empty),
    commandTokenProvider([process.execPath, '-e', 'process.exit(3)']),
    commandTokenProvider([process.execPath, '-e', '']),
  ];
  for (const p of cases) {
    await assert.rejects(p.getToken(), (e: unknown) => e instanceof InputError && /signing needs an identity token/.test(e.message) && /--sign=false/.test(e.message), p.source);
  }
});

test('jwtClaims reads the payload of a JWT and tolerates garbage', () => {
  const tok = `x.${Buffer.from(JSON.stringify({ email: 'a@b' })).toString('base64url')}.y`;
  assert.deepEqual(jwtClaims(tok), { email: 'a@b' });
  assert.deepEqual(jwtClaims('nope'), {});
  assert.deepEqual(jwtClaims('a.!!!.c'), {});
});
