import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopbackHost, nextLink, redactUrl, resolveLocation, schemeFor } from './urls.js';

test('loopback hosts use plain HTTP, others HTTPS unless insecure', () => {
  const cases: [string, string[], string][] = [
    ['localhost:5000', [], 'http:'],
    ['127.0.0.1:5000', [], 'http:'],
    ['127.1.2.3', [], 'http:'],
    ['[::1]:5000', [], 'http:'],
    ['registry.k8s.io', [], 'https:'],
    ['128.0.0.1:5000', [], 'https:'],
    ['localhost.example.com', [], 'https:'],
    ['reg.internal:5000', ['reg.internal:5000'], 'http:'],
    ['reg.internal:5000', ['other:5000'], 'https:'],
  ];
  for (const [host, insecure, want] of cases) assert.equal(schemeFor(host, insecure), want, host);
  assert.equal(schemeFor('127.0.0.1:5443', [], ['127.0.0.1:5443']), 'https:');
  assert.equal(isLoopbackHost('127.0.0.1'), true);
});

test('Location resolves relative, host-relative and absolute forms', () => {
  const req = new URL('http://127.0.0.1:5000/v2/a/b/blobs/uploads/');
  assert.equal(resolveLocation(req, '/v2/a/b/blobs/uploads/u1?_state=x').href, 'http://127.0.0.1:5000/v2/a/b/blobs/uploads/u1?_state=x');
  assert.equal(resolveLocation(req, 'u2').href, 'http://127.0.0.1:5000/v2/a/b/blobs/uploads/u2');
  assert.equal(resolveLocation(req, 'https://up.example/x?y=1').href, 'https://up.example/x?y=1');
});

test('Link next is parsed from RFC 8288 headers', () => {
  assert.equal(nextLink('</v2/r/tags/list?n=2&last=b>; rel="next"'), '/v2/r/tags/list?n=2&last=b');
  assert.equal(nextLink('<http://x/a>; rel="prev", <http://x/b>; rel=next'), 'http://x/b');
  assert.equal(nextLink('</a>; rel="prev"'), undefined);
  assert.equal(nextLink(undefined), undefined);
});

test('redactUrl drops userinfo and query', () => {
  assert.equal(redactUrl('https://user:secret@h.example/v2/x?_state=tok&digest=1'), 'https://h.example/v2/x?<redacted>');
  assert.equal(redactUrl('http://127.0.0.1:1/v2/'), 'http://127.0.0.1:1/v2/');
  assert.equal(redactUrl(new URL('https://user:secret@h.example/v2/x?_state=tok#f')), 'https://h.example/v2/x?<redacted>');
});
