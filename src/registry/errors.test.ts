import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KpromoError } from '../errors.js';
import { RegistryError, isTransient, parseDiagnostics } from './errors.js';

test('retryable follows status and spec codes unless set explicitly', () => {
  const table: [number | undefined, string[], boolean | undefined, boolean][] = [
    [408, [], undefined, true],
    [429, ['TOOMANYREQUESTS'], undefined, true],
    [500, [], undefined, true],
    [503, [], undefined, true],
    [400, ['MANIFEST_INVALID'], undefined, false],
    [401, ['UNAUTHORIZED'], undefined, false],
    [404, ['MANIFEST_UNKNOWN'], undefined, false],
    [200, [], true, true], // e.g. a digest mismatch on read
    [undefined, [], false, false],
  ];
  for (const [status, codes, retryable, want] of table) {
    const e = new RegistryError('x', { op: 'get manifest', reference: 'h/r:t', status, diagnostics: codes.map((code) => ({ code })), retryable });
    assert.equal(e.retryable, want, `${status} ${codes}`);
    assert.equal(isTransient(e), want);
    assert.ok(e instanceof KpromoError);
    assert.equal(e.code, 'REGISTRY_ERROR');
  }
});

test('the message names operation, reference, side, status and codes', () => {
  const e = new RegistryError('not found', { op: 'get manifest', reference: 'h/r:t', side: 'source', status: 404, diagnostics: [{ code: 'MANIFEST_UNKNOWN' }] });
  assert.equal(e.message, 'get manifest h/r:t (source): not found [HTTP 404 MANIFEST_UNKNOWN]');
  assert.deepEqual(e.codes, ['MANIFEST_UNKNOWN']);
});

test('isTransient recognises dropped connections in the cause chain', () => {
  assert.equal(isTransient(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), true);
  assert.equal(isTransient(new Error('wrapped', { cause: Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' }) })), true);
  assert.equal(isTransient(new Error('plain')), false);
});

test('parseDiagnostics reads spec error bodies and ignores anything else', () => {
  assert.deepEqual(parseDiagnostics('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known","detail":{"name":"x"}}]}'), [
    { code: 'NAME_UNKNOWN', message: 'repository name not known', detail: { name: 'x' } },
  ]);
  assert.deepEqual(parseDiagnostics('404 page not found'), []);
  assert.deepEqual(parseDiagnostics('{"errors":"nope"}'), []);
});
