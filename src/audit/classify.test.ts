import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Digest, ImageName, RegistryName, Tag } from '../image/ref.js';
import type { Edge } from '../plan/edge.js';
import { classifyEvent, type Classification, type Resolved } from './classify.js';
import { declaredRepos, isAttachmentTag } from './declared.js';
import type { RegistryEvent } from './events.js';

const D = (c: string): Digest => `sha256:${c.repeat(64)}` as Digest;
const edge = (digest: Digest, tag: string | null, dst = 'prod.io/k8s'): Edge => ({
  srcRegistry: 'staging.io/s' as RegistryName,
  srcImage: 'app' as ImageName,
  dstRegistry: dst as RegistryName,
  dstImage: 'app' as ImageName,
  digest,
  tag: tag as Tag | null,
});
const declared = declaredRepos([edge(D('a'), 'v1'), edge(D('a'), 'v1', 'mirror.io/k8s'), edge(D('b'), null)]);
const ev = (e: Partial<RegistryEvent>): RegistryEvent => ({ registry: 'distribution', action: 'push', host: 'prod.io', repository: 'k8s/app', mediaType: 'application/vnd.oci.image.manifest.v1+json', ...e });

const cases: [string, Partial<RegistryEvent>, Classification['verdict'], string?, Resolved?][] = [
  ['declared tag on its digest', { tag: 'v1', digest: D('a') }, 'expected'],
  ['declared tagless digest', { digest: D('b') }, 'expected'],
  ['declared digest pushed by digest', { digest: D('a') }, 'expected'],
  ['declared tag on another digest', { tag: 'v1', digest: D('c') }, 'alert', 'tag-moved'],
  ['undeclared tag on a declared digest', { tag: 'latest', digest: D('a') }, 'alert', 'unexpected-tag'],
  ['undeclared tag on an unknown digest', { tag: 'rogue', digest: D('c') }, 'alert', 'unexpected-digest'],
  ['untagged unknown digest, not resolved', { digest: D('c') }, 'resolve'],
  ['untagged unknown digest, a stray manifest', { digest: D('c') }, 'alert', 'unexpected-digest', {}],
  ['untagged unknown digest, an index child', { digest: D('c') }, 'expected', undefined, { childOfDeclared: true }],
  ['untagged unknown digest, a referrer', { digest: D('c') }, 'ignored', undefined, { attachment: true }],
  ['cosign signature tag', { tag: `sha256-${'a'.repeat(64)}.sig`, digest: D('d') }, 'ignored'],
  ['referrers fallback tag', { tag: `sha256-${'a'.repeat(64)}`, digest: D('d') }, 'ignored'],
  ['pull', { action: 'pull', tag: 'v1', digest: D('c') }, 'ignored'],
  ['blob push', { mediaType: 'application/octet-stream', digest: D('c') }, 'ignored'],
  ['repository not promoted', { repository: 'other/app', tag: 'x', digest: D('c') }, 'ignored'],
  ['delete of a declared digest', { action: 'delete', digest: D('a'), mediaType: undefined }, 'alert', 'declared-deleted'],
  ['delete of a declared tag', { action: 'delete', tag: 'v1', mediaType: undefined }, 'alert', 'declared-deleted'],
  ['delete of undeclared content', { action: 'delete', digest: D('c'), mediaType: undefined }, 'ignored'],
  ['host unknown, path of two mirrors (ambiguous)', { host: 'lb.internal', repository: 'k8s/app', tag: 'v1', digest: D('c') }, 'ignored'],
  ['no host, path of mirrors declaring the same', { host: undefined, tag: 'v1', digest: D('c') }, 'alert', 'tag-moved'],
  ['mirror host', { host: 'mirror.io', tag: 'v1', digest: D('a') }, 'expected'],
  ['gcr insert without media type', { registry: 'gcr', mediaType: undefined, tag: 'rogue', digest: D('c') }, 'alert', 'unexpected-digest'],
];

for (const [name, e, verdict, kind, resolved] of cases) {
  test(`classifyEvent: ${name}`, () => {
    const c = classifyEvent(ev(e), declared, resolved);
    assert.equal(c.verdict, verdict, JSON.stringify(c));
    if (kind) assert.equal(c.verdict === 'alert' && c.kind, kind);
  });
}

test('classifyEvent: a moved tag names the declared digest', () => {
  const c = classifyEvent(ev({ tag: 'v1', digest: D('c') }), declared);
  assert.deepEqual(c.verdict === 'alert' && c.expected, D('a'));
});

test('isAttachmentTag: cosign and referrers-fallback tags only', () => {
  const hex = 'f'.repeat(64);
  for (const t of [`sha256-${hex}`, `sha256-${hex}.sig`, `sha256-${hex}.att`, `sha256-${hex}.sbom`]) assert.ok(isAttachmentTag(t), t);
  for (const t of ['v1', `sha256-${hex}.txt`, `sha256-${hex.slice(1)}.sig`, `sha512-${hex}`]) assert.ok(!isAttachmentTag(t), t);
});
