import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../errors.js';
import { matcherFrom, matches } from './matcher.js';

test('matchers: exact equality, regexps anchored to the whole value', () => {
  const cases: [Parameters<typeof matches>[0], string | undefined, boolean][] = [
    [{ exact: 'a@x' }, 'a@x', true],
    [{ exact: 'a@x' }, 'a@xy', false],
    [{ exact: 'a@x' }, undefined, false],
    [{ regexp: 'krel-(staging|trust)@.*' }, 'krel-trust@k8s.iam', true],
    [{ regexp: 'krel-trust' }, 'evil-krel-trust@x', false],
    [{ regexp: '.*' }, '', true],
  ];
  for (const [m, v, want] of cases) assert.equal(matches(m, v), want, `${JSON.stringify(m)} ${v}`);
});

test('matcherFrom: exact and regexp are mutually exclusive, bad regexps are input errors', () => {
  assert.deepEqual(matcherFrom('a', undefined, 'certificate-identity'), { exact: 'a' });
  assert.deepEqual(matcherFrom(undefined, 'a.*', 'certificate-identity'), { regexp: 'a.*' });
  assert.equal(matcherFrom(undefined, undefined, 'x'), undefined);
  assert.throws(() => matcherFrom('a', 'b', 'certificate-identity'), InputError);
  assert.throws(() => matcherFrom(undefined, '(', 'certificate-identity'), InputError);
});
