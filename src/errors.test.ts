import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, KpromoError, formatProblem, wrapError } from './errors.js';

test('formatProblem renders file:line:col: message', () => {
  const cases = [
    { p: { file: 'a.yaml', line: 3, column: 5, message: 'bad' }, want: 'a.yaml:3:5: bad' },
    { p: { file: 'a.yaml', message: 'bad' }, want: 'a.yaml: bad' },
    { p: { message: 'bad' }, want: 'bad' },
  ];
  for (const { p, want } of cases) assert.equal(formatProblem(p), want);
});

test('InputError keeps every problem', () => {
  const e = new InputError([{ message: 'one' }, { message: 'two' }]);
  assert.equal(e.code, 'INVALID_INPUT');
  assert.equal(e.problems.length, 2);
  assert.equal(e.message, 'one\ntwo');
});

test('wrapError keeps the code and the cause', () => {
  const inner = new KpromoError('REGISTRY_ERROR', 'boom');
  const outer = wrapError(inner, 'phase "promote"');
  assert.equal(outer.code, 'REGISTRY_ERROR');
  assert.equal(outer.cause, inner);
  assert.equal(outer.message, 'phase "promote": boom');
});
