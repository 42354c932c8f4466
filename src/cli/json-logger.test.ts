import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../errors.js';
import { JsonLogger } from './json-logger.js';
import { createCliLogger, parseLogFormat } from './log-setup.js';

test('JsonLogger: one JSON object per line, filtered by level, bindings and fields kept', () => {
  const lines: string[] = [];
  const log = new JsonLogger((s) => lines.push(s), 'info', {}, () => new Date(0));
  log.debug('hidden');
  log.child({ phase: 'promote' }).info('copied', { image: 'a', bytes: 12, err: new Error('boom'), msg: 'spoof' });
  log.error('bad');
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
  assert.deepEqual(JSON.parse(lines[0]!), { phase: 'promote', image: 'a', bytes: 12, err: 'boom', time: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'copied' });
  assert.equal(JSON.parse(lines[1]!).level, 'error');
});

test('createCliLogger picks the format; bad values are input errors', () => {
  const out: string[] = [];
  createCliLogger({ format: 'json', level: 'debug', write: (s) => out.push(s) }).debug('x');
  createCliLogger({ write: (s) => out.push(s) }).info('y');
  assert.equal(JSON.parse(out[0]!).msg, 'x');
  assert.match(out[1]!, /^info +y\n$/);
  assert.equal(parseLogFormat('JSON'), 'json');
  assert.throws(() => parseLogFormat('xml'), InputError);
  assert.throws(() => createCliLogger({ level: 'loud', write: () => {} }), InputError);
});
