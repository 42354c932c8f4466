import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { checkIdentityToken, commandTokenProvider, fileTokenProvider, jwtClaims, resolveTokenProvider } from './identity-token.js';

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

test('checkIdentityToken: a JWT with an issuer, not expired, for the sigstore audience; errors never echo the token', () => {
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Date.parse('2026-05-01T00:00:00Z');
  const exp = now / 1000 + 600;
  const jwt = (claims: object, header: object = { alg: 'RS256' }): string => `${enc(header)}.${enc(claims)}.c2lnbmF0dXJl`;
  const good = { iss: 'https://issuer.example', aud: 'sigstore', exp, email: 'a@b' };
  checkIdentityToken(jwt(good), 'file t', { now });
  checkIdentityToken(jwt({ ...good, aud: ['other', 'sigstore'] }), 'file t', { now });
  checkIdentityToken(`${enc({ alg: 'none' })}.${enc(good)}.`, 'file t', { now }); // unsigned (test issuers)
  const cases: { name: string; token: string; why: RegExp }[] = [
    { name: 'opaque string', token: 'ya29.secret-access-token-value', why: /not a JWT/ },
    { name: 'one part', token: 'c2VjcmV0c2VjcmV0c2VjcmV0', why: /not a JWT \(.*got 1 part/ },
    { name: 'payload not JSON', token: `${enc({ alg: 'RS256' })}.bm90LWpzb24.sig`, why: /payload is not a JSON object/ },
    { name: 'no issuer', token: jwt({ ...good, iss: undefined }), why: /no issuer/ },
    { name: 'no expiry', token: jwt({ ...good, exp: undefined }), why: /no expiry/ },
    { name: 'expired', token: jwt({ ...good, exp: now / 1000 - 3600 }), why: /expired at 2026-04-30T23:00:00.000Z/ },
    { name: 'wrong audience', token: jwt({ ...good, aud: 'https://example.iam' }), why: /audience is "https:\/\/example.iam", not "sigstore"/ },
  ];
  for (const c of cases) {
    assert.throws(() => checkIdentityToken(c.token, 'file /run/tok', { now }), (e: unknown) => {
      assert.ok(e instanceof InputError, c.name);
      assert.match(e.message, c.why, c.name);
      assert.match(e.message, /from file \/run\/tok/, c.name);
      assert.ok(!e.message.includes(c.token), `${c.name}: the token is not in the message`);
      return true;
    });
  }
});
