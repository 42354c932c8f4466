import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact, redactKnown } from './redact.js';

const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = `${enc({ alg: 'RS256', kid: 'k1' })}.${enc({ iss: 'https://accounts.google.com', email: 'x@y', aud: 'sigstore' })}.QWxhZGRpbjpvcGVuIHNlc2FtZQ-_abc`;

test('redact: token-shaped secrets are replaced, wherever they sit in a message', () => {
  const cases: { in: string; out: string }[] = [
    { in: `fulcio: invalid token ${jwt} (401)`, out: 'fulcio: invalid token [REDACTED] (401)' },
    { in: `unsigned ${enc({ alg: 'none' })}.${enc({ iss: 'i', exp: 1 })}.`, out: 'unsigned [REDACTED]' },
    { in: 'Authorization: Bearer abc.DEF-123_ghi', out: 'Authorization: Bearer [REDACTED]' },
    { in: 'header authorization: basic dXNlcjpwYXNzd29yZA==', out: 'header authorization: basic [REDACTED]' },
    { in: 'GET https://bob:hunter2@registry.example/v2/ failed', out: 'GET https://bob:[REDACTED]@registry.example/v2/ failed' },
    { in: '{"username":"bob","password":"hunter2"}', out: '{"username":"bob","password":"[REDACTED]"}' },
    { in: 'token endpoint said access_token=s3cr3t&expires_in=60', out: 'token endpoint said access_token=[REDACTED]&expires_in=60' },
    { in: '"auth": "Ym9iOmh1bnRlcjI="', out: '"auth": "[REDACTED]"' },
    { in: 'key AKIAabcdefghijklmnopQRSTUVWXYZ0123456789xyz in env', out: 'key [REDACTED] in env' },
  ];
  for (const c of cases) assert.equal(redact(c.in), c.out, c.in);
});

test('redact: ordinary output stays as it is (digests, refs, paths, flags, counts)', () => {
  const keep = [
    'promoted 3, already present 0, lost 0, tag moves refused 0, failed 0',
    `  promote    127.0.0.1:5000/staging/app@sha256:${'0123456789abcdef'.repeat(4)} → 127.0.0.1:5001/prod/app:v1.2.3-rc.1`,
    'writing report /tmp/kpromo-e2e-AbC123/report.json: EACCES',
    'signing needs an identity token: none given. Pass --identity-token FILE or set SIGSTORE_ID_TOKEN (keyless)',
    'the identity token from file /run/secrets/token is not usable for keyless signing: it expired at 2026-04-30T23:00:00.000Z',
    'credentials file /home/u/.docker/config.json is not valid JSON',
    'https://registry.example/v2/app/manifests/v1',
  ];
  for (const k of keep) assert.equal(redact(k), k);
});

test('redact: a quoted secret is redacted up to its closing quote, a JSON log line stays JSON', () => {
  const cases: { in: string; out: string }[] = [
    { in: '{"password":"p,ss;w}rd&x y"}', out: '{"password":"[REDACTED]"}' },
    { in: '{"password":"a\\"b,c"}', out: '{"password":"[REDACTED]"}' },
    { in: '{"token":"opaque-registry-token","expires_in":60}', out: '{"token":"[REDACTED]","expires_in":60}' },
    { in: 'COSIGN_PASSWORD=s3cret ok', out: 'COSIGN_PASSWORD=[REDACTED] ok' },
    { in: 'AWS_SECRET_ACCESS_KEY=abcd/efgh+ijkl', out: 'AWS_SECRET_ACCESS_KEY=[REDACTED]' },
  ];
  for (const c of cases) assert.equal(redact(c.in), c.out, c.in);
  // a JSON record whose secret-named field is not a string keeps its shape
  for (const line of ['{"auth":false,"msg":"x"}', '{"auth":{"kind":"basic"},"token":null,"password":3}']) {
    assert.deepEqual(JSON.parse(redact(line)), JSON.parse(line), line);
  }
});

test('redact: an authentication challenge keeps its realm (it is where tokens come from, not a secret)', () => {
  for (const k of ['WWW-Authenticate: Bearer realm="https://auth.example/token",service="registry"', 'Basic realm="kpromo"']) {
    assert.equal(redact(k), k);
  }
});

test('redactKnown: each known secret is replaced wherever it stands; an empty one changes nothing', () => {
  assert.equal(redactKnown('push to https://x:s3cr3t@h failed (s3cr3t)', ['s3cr3t', '']), 'push to https://x:[REDACTED]@h failed ([REDACTED])');
  assert.equal(redactKnown('nothing here', ['']), 'nothing here');
});
