import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, KpromoError, formatProblem, formatProblems, wrapError } from './errors.js';

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

test('formatProblems shows at most 100 problems, then counts the rest', () => {
  const many = Array.from({ length: 12_445 }, (_, i) => ({ file: 'm.yaml', line: i + 1, message: 'bad' }));
  const lines = formatProblems(many).split('\n');
  assert.equal(lines.length, 101);
  assert.equal(lines[99], 'm.yaml:100: bad');
  assert.equal(lines[100], '… and 12,345 more problems');
  assert.equal(formatProblems(many.slice(0, 100)).split('\n').length, 100, 'no count line when all are shown');
  assert.equal(formatProblems(many.slice(0, 101)).split('\n')[100], '… and 1 more problem');
  assert.equal(new InputError(many).message.split('\n').length, 101, 'the error message is capped too');
});
