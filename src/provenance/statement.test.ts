import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { digest } from '../image/ref.js';
import { buildPromotionStatement, parseStatement, statementBytes, statementCovers } from './statement.js';

const D = digest(`sha256:${'cd'.repeat(32)}`);

test('promotion statement matches the golden file', () => {
  const st = buildPromotionStatement({
    srcRef: `gcr.io/k8s-staging-x/app@${D}`,
    dstRef: `registry.example/prod/app@${D}`,
    digest: D,
    timestamp: '2026-01-02T03:04:05Z',
    builderId: 'https://k8s.io/promo-tools/kpromo@1.0.0',
  });
  const golden = readFileSync(new URL('./testdata/promotion-statement.golden.json', import.meta.url), 'utf8');
  assert.equal(new TextDecoder().decode(statementBytes(st)), golden.trim());
  assert.ok(statementCovers(parseStatement(statementBytes(st))!, D));
  assert.ok(!statementCovers(st, digest(`sha256:${'00'.repeat(32)}`)));
});

test('parseStatement rejects non-statements', () => {
  for (const s of ['{}', '[]', 'x', '{"predicateType":1,"subject":[]}']) assert.equal(parseStatement(new TextEncoder().encode(s)), undefined);
});
