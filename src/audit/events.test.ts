import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventFormatError, parseDistributionEnvelope, parsePubSubPush } from './events.js';

const D = `sha256:${'a'.repeat(64)}`;

test('parseDistributionEnvelope: push, delete and pull events of Distribution 2.8', () => {
  const events = parseDistributionEnvelope({
    events: [
      { id: 'e1', action: 'push', target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D, repository: 'prod/app', url: 'http://reg:5000/v2/prod/app/manifests/' + D, tag: 'v1' }, request: { host: 'reg:5000' } },
      { id: 'e2', action: 'delete', target: { digest: D, repository: 'prod/app' }, request: {} },
      { id: 'e3', action: 'pull', target: { repository: 'prod/app', url: 'http://other:1/v2/prod/app/manifests/v1' } },
      { action: 'mount', target: { repository: 'prod/app' } },
    ],
  });
  assert.deepEqual(events, [
    { id: 'e1', registry: 'distribution', action: 'push', host: 'reg:5000', repository: 'prod/app', digest: D, tag: 'v1', mediaType: 'application/vnd.oci.image.manifest.v1+json' },
    { id: 'e2', registry: 'distribution', action: 'delete', repository: 'prod/app', digest: D },
    { id: 'e3', registry: 'distribution', action: 'pull', host: 'other:1', repository: 'prod/app' },
    { registry: 'distribution', action: 'other', repository: 'prod/app' },
  ]);
});

test('parsePubSubPush: GCR / Artifact Registry INSERT and DELETE', () => {
  const msg = (data: object, extra = {}) => ({ message: { data: Buffer.from(JSON.stringify(data)).toString('base64'), messageId: '42', ...extra }, subscription: 'projects/p/subscriptions/s' });
  assert.deepEqual(parsePubSubPush(msg({ action: 'INSERT', digest: `gcr.io/proj/app@${D}`, tag: 'gcr.io/proj/app:v1' })), [
    { id: '42', registry: 'gcr', action: 'push', host: 'gcr.io', repository: 'proj/app', digest: D, tag: 'v1' },
  ]);
  assert.deepEqual(parsePubSubPush(msg({ action: 'DELETE', tag: 'us-docker.pkg.dev/p/r/app:v1' })), [
    { id: '42', registry: 'gcr', action: 'delete', host: 'us-docker.pkg.dev', repository: 'p/r/app', tag: 'v1' },
  ]);
  assert.deepEqual(parsePubSubPush(msg({ action: 'INSERT', digest: `localhost:5000/app@${D}` }))[0]!.host, 'localhost:5000');
});

const bad: [string, () => unknown][] = [
  ['no events array', () => parseDistributionEnvelope({ event: [] })],
  ['an event without repository', () => parseDistributionEnvelope({ events: [{ action: 'push', target: {} }] })],
  ['an invalid digest', () => parseDistributionEnvelope({ events: [{ action: 'push', target: { repository: 'a', digest: 'sha256:xyz' } }] })],
  ['a non-object', () => parseDistributionEnvelope('events')],
  ['no message', () => parsePubSubPush({ subscription: 's' })],
  ['data not base64 JSON', () => parsePubSubPush({ message: { data: 'bm90IGpzb24=' } })],
  ['neither digest nor tag', () => parsePubSubPush({ message: { data: Buffer.from('{"action":"INSERT"}').toString('base64') } })],
  ['a digest reference without a digest', () => parsePubSubPush({ message: { data: Buffer.from('{"action":"INSERT","digest":"gcr.io/p/app"}').toString('base64') } })],
  ['a reference without a path', () => parsePubSubPush({ message: { data: Buffer.from(`{"action":"INSERT","digest":"app@${D}"}`).toString('base64') } })],
];
for (const [name, fn] of bad) test(`event parsing rejects ${name}`, () => assert.throws(fn, EventFormatError));
