import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest } from '../image/ref.js';
import type { AttachmentOutcome } from './outcome.js';
import { formatAttachments } from './summary.js';

const D = (c: string) => digest(`sha256:${c.repeat(64)}`);

test('formatAttachments: counts, copied kinds, and a line per refused or failed attachment', () => {
  const base = { image: D('a'), subject: D('a'), scheme: 'referrer' as const, repo: 'm1/prod/app' };
  const list: AttachmentOutcome[] = [
    { ...base, digest: D('b'), kind: 'application/spdx+json', result: 'copied' },
    { ...base, digest: D('c'), kind: '.att', scheme: 'tag', result: 'copied' },
    { ...base, digest: D('b'), kind: 'application/spdx+json', result: 'present', repo: 'm2/prod/app' },
    { ...base, digest: D('b'), kind: 'application/spdx+json', result: 'refused', repo: 'm3/prod/app', error: 'its subject is not at the destination' },
    { ...base, digest: D('d'), kind: 'application/vnd.in-toto+json', result: 'failed', error: 'HTTP 500' },
  ];
  assert.equal(
    formatAttachments(list),
    'attachments: 2 copied, 1 present, 1 refused, 1 failed (copied: .att 1, application/spdx+json 1)\n' +
      '  REFUSED    application/spdx+json sha256:bbbbbbbbbbbb… of sha256:aaaaaaaaaaaa… at m3/prod/app: its subject is not at the destination\n' +
      '  FAILED     application/vnd.in-toto+json sha256:dddddddddddd… of sha256:aaaaaaaaaaaa… at m1/prod/app: HTTP 500\n',
  );
  assert.equal(formatAttachments([]), '');
  assert.equal(formatAttachments(undefined), '');
});

test('formatAttachments: a dry run prints the plan\'s counts', () => {
  const a = { scheme: 'referrer' as const, subject: D('a'), digest: D('b'), mediaType: 'm', children: [] };
  const planned = [{ image: D('a'), subject: D('a'), source: { host: 's', repository: 'r' }, dst: { host: 'd', repository: 'r' }, attachments: [
    { attachment: a, decision: { kind: 'copy' as const }, children: [{ attachment: a, decision: { kind: 'copy' as const }, children: [] }] },
    { attachment: a, decision: { kind: 'present' as const }, children: [] },
  ] }];
  assert.equal(formatAttachments(undefined, planned), 'attachments: 2 to copy, 1 present, 0 refused\n');
  assert.equal(formatAttachments(undefined, []), '');
});
