import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest } from '../image/ref.js';
import { attachmentKind, classifyAttachment, cosignTag, type Attachment } from './attachment.js';

const S = digest(`sha256:${'a1'.repeat(32)}`);
const R = digest(`sha256:${'b2'.repeat(32)}`);
const referrer: Attachment = { scheme: 'referrer', subject: S, digest: R, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/spdx+json', children: [] };
const sig: Attachment = { scheme: 'tag', subject: S, digest: R, mediaType: 'application/vnd.oci.image.manifest.v1+json', suffix: 'sig', tag: cosignTag(S, 'sig'), children: [] };

test('cosignTag and attachmentKind', () => {
  assert.equal(cosignTag(S, 'sbom'), `sha256-${'a1'.repeat(32)}.sbom`);
  assert.equal(attachmentKind(referrer), 'application/spdx+json');
  assert.equal(attachmentKind(sig), '.sig');
});

test('classifyAttachment: refused without its subject, present when listed, else copy', () => {
  const view = (over: object) => ({ subjectReady: true, referrers: new Set<string>(), hasTag: () => false, ...over });
  const cases: Array<[Attachment, object, string]> = [
    [referrer, { subjectReady: false }, 'refused'],
    [sig, { subjectReady: false, hasTag: () => true }, 'refused'],
    [referrer, {}, 'copy'],
    [referrer, { referrers: new Set([R]) }, 'present'],
    [referrer, { hasTag: () => true }, 'copy'],
    [sig, { hasTag: (t: string) => t === cosignTag(S, 'sig') }, 'present'],
    [sig, { hasTag: () => undefined }, 'copy'],
    [sig, { referrers: new Set([R]) }, 'copy'],
  ];
  for (const [a, over, want] of cases) assert.equal(classifyAttachment(a, view(over)).kind, want, `${a.scheme} ${JSON.stringify(over)}`);
});
