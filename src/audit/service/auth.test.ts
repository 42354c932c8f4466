import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { authenticated } from './auth.js';

const body = Buffer.from('{"events":[]}');
const mac = (secret: string, b: Uint8Array) => `sha256=${createHmac('sha256', secret).update(b).digest('hex')}`;

const cases: [string, Parameters<typeof authenticated>[1], boolean][] = [
  ['bearer', { authorization: 'Bearer s3cret' }, true],
  ['bearer, any case', { authorization: 'bearer s3cret' }, true],
  ['wrong bearer', { authorization: 'Bearer s3cre' }, false],
  ['basic', { authorization: `Basic ${Buffer.from('u:s3cret').toString('base64')}` }, false],
  ['HMAC of the body', { signature: mac('s3cret', body) }, true],
  ['HMAC of another body', { signature: mac('s3cret', Buffer.from('{}')) }, false],
  ['HMAC under another secret', { signature: mac('other', body) }, false],
  ['query token', { queryToken: 's3cret' }, true],
  ['nothing', {}, false],
];
for (const [name, req, ok] of cases) test(`authenticated: ${name}`, () => assert.equal(authenticated('s3cret', req, body), ok));
