import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChallenges } from './auth.js';

test('WWW-Authenticate challenges parse with quoted commas and several challenges', () => {
  const cases: [string, { scheme: string; params: Record<string, string> }[]][] = [
    ['Basic realm="basic-realm"', [{ scheme: 'basic', params: { realm: 'basic-realm' } }]],
    [
      'Bearer realm="http://127.0.0.1:1/token",service="test-registry",scope="repository:a/b:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'http://127.0.0.1:1/token', service: 'test-registry', scope: 'repository:a/b:pull,push' } }],
    ],
    ['bearer realm=https://t.example/token, service=reg', [{ scheme: 'bearer', params: { realm: 'https://t.example/token', service: 'reg' } }]],
    [
      'Basic realm="r", Bearer realm="https://t/x",error="invalid_token"',
      [
        { scheme: 'basic', params: { realm: 'r' } },
        { scheme: 'bearer', params: { realm: 'https://t/x', error: 'invalid_token' } },
      ],
    ],
    ['Bearer realm="a \\"q\\""', [{ scheme: 'bearer', params: { realm: 'a "q"' } }]],
    ['', []],
  ];
  for (const [header, want] of cases) assert.deepEqual(parseChallenges(header), want, header);
});
