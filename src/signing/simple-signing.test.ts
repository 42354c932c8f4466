import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest } from '../image/ref.js';
import { buildSimpleSigningPayload, parseSimpleSigningPayload } from './simple-signing.js';

const D = digest(`sha256:${'ab'.repeat(32)}`);

test('simple-signing payload: golden bytes in cosign key order', () => {
  const bytes = buildSimpleSigningPayload('registry.example/prod/app', D, { 'org.kubernetes.kpromo.version': 'kpromo-1.0.0', a: 'b' });
  assert.equal(
    new TextDecoder().decode(bytes),
    `{"critical":{"identity":{"docker-reference":"registry.example/prod/app"},"image":{"docker-manifest-digest":"${D}"},` +
      `"type":"cosign container image signature"},"optional":{"a":"b","org.kubernetes.kpromo.version":"kpromo-1.0.0"}}`,
  );
});

test('simple-signing payload: no annotations gives optional null, and it parses back', () => {
  const bytes = buildSimpleSigningPayload('r/x', D);
  const p = parseSimpleSigningPayload(bytes);
  assert.equal(p?.optional, null);
  assert.equal(p?.critical.image['docker-manifest-digest'], D);
});

test('parseSimpleSigningPayload rejects what is not a payload', () => {
  for (const s of ['', 'null', '{}', '{"critical":{"identity":{}}}', 'not json']) {
    assert.equal(parseSimpleSigningPayload(new TextEncoder().encode(s)), undefined, s);
  }
});
