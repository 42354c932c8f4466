import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRealm } from './realm.js';

test('a token realm must be https unless the registry is loopback or --insecure-registry', () => {
  const cases: Array<[realm: string, registry: string, insecure: string[], ok: boolean]> = [
    ['https://auth.example/token', 'registry.example', [], true],
    ['https://auth.example/token', '127.0.0.1:5000', [], true],
    ['http://auth.example/token', 'registry.example', [], false],
    ['http://registry.example/token', 'registry.example', [], false],
    ['http://registry.example:8080/token', 'registry.example:5000', [], false],
    ['http://127.0.0.1:5001/token', 'registry.example', [], false],
    ['http://127.0.0.1:5001/token', '127.0.0.1:5000', [], true],
    ['http://auth.example/token', 'localhost:5000', [], true],
    ['http://auth.example/token', '[::1]:5000', [], true],
    ['http://auth.example/token', 'registry.example', ['registry.example'], true],
    ['http://auth.example/token', 'registry.example:5000', ['registry.example'], true],
    ['http://auth.example/token', 'registry.example:5000', ['registry.example:5000'], true],
    ['http://auth.example/token', 'registry.example', ['other.example'], false],
    ['ftp://auth.example/token', '127.0.0.1:5000', [], false],
    ['not a url', 'registry.example', [], false],
  ];
  for (const [realm, registry, insecure, ok] of cases) {
    const d = checkRealm(realm, registry, insecure);
    assert.equal(d.ok, ok, `${realm} for ${registry} insecure=${insecure.join(',')}`);
    if (!d.ok) assert.match(d.problem, new RegExp(`registry ${registry.replace(/[.[\]]/g, '\\$&')}|of ${registry.replace(/[.[\]]/g, '\\$&')}`));
  }
  const refused = checkRealm('http://user:pw@auth.example/token?secret=1', 'registry.example', []);
  assert.ok(!refused.ok && !refused.problem.includes('pw') && !refused.problem.includes('secret'), 'the refusal redacts the realm');
  assert.ok(!refused.ok && /in the clear/.test(refused.problem));
});
