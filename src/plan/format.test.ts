import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag } from '../image/ref.js';
import type { Edge } from './edge.js';
import { formatOutcomes, formatPlan } from './format.js';

const D = digest('sha256:' + 'a'.repeat(64));
const E = digest('sha256:' + 'b'.repeat(64));
const edge = (t: string | null, dst = 'm1/prod'): Edge => ({
  srcRegistry: registryName('s/staging'),
  srcImage: imageName('app'),
  dstRegistry: registryName(dst),
  dstImage: imageName('app'),
  digest: D,
  tag: t === null ? null : tag(t),
});

test('formatPlan counts every decision and lists the ones that need attention', () => {
  const text = formatPlan({
    edges: [
      { edge: edge('v1'), decision: { kind: 'promote', tagOnly: false } },
      { edge: edge('v2'), decision: { kind: 'promote', tagOnly: true } },
      { edge: edge(null), decision: { kind: 'present' } },
      { edge: edge('v1', 'm2/prod'), decision: { kind: 'tag-move', current: E } },
      { edge: edge('v3'), decision: { kind: 'lost' } },
    ],
  });
  assert.equal(
    text,
    [
      'plan: 2 to promote (1 only add a tag), 1 already present, 1 lost, 1 tag moves refused, 0 unreadable',
      '  promote    s/staging/app@sha256:aaaaaaaaaaaa… → m1/prod/app:v1',
      '  promote    s/staging/app@sha256:aaaaaaaaaaaa… → m1/prod/app:v2 (tag only)',
      '  tag move   s/staging/app@sha256:aaaaaaaaaaaa… → m2/prod/app:v1 (points at sha256:bbbbbbbbbbbb…)',
      '  lost       s/staging/app@sha256:aaaaaaaaaaaa… → m1/prod/app:v3',
      '',
    ].join('\n'),
  );
});

test('formatOutcomes lists failures with their reason', () => {
  const text = formatOutcomes([
    { edge: edge('v1'), outcome: 'promoted' },
    { edge: edge(null, 'm2/prod'), outcome: 'failed', error: 'connection refused' },
  ]);
  assert.equal(
    text,
    'promoted 1, already present 0, lost 0, tag moves refused 0, failed 1\n' +
      '  FAILED     s/staging/app@sha256:aaaaaaaaaaaa… → m2/prod/app@sha256:aaaaaaaaaaaa…: connection refused\n',
  );
});
