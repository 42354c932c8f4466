import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, KpromoError } from '../errors.js';
import { MemoryLogger } from '../log.js';
import { PhaseError, phase, runPipeline } from './pipeline.js';
import { StopPipeline } from './phase.js';

type S = { ran: string[] };
const rec = (name: 'setup' | 'plan' | 'promote' | 'sign') => phase<S>(name, async (s) => void s.ran.push(name));

test('runs phases in order and logs each with a duration', async () => {
  const logger = new MemoryLogger();
  const s: S = { ran: [] };
  const r = await runPipeline([rec('setup'), rec('plan'), rec('promote')], s, { logger });
  assert.deepEqual(s.ran, ['setup', 'plan', 'promote']);
  assert.deepEqual(
    r.phases.map((p) => [p.name, p.result]),
    [['setup', 'ok'], ['plan', 'ok'], ['promote', 'ok']],
  );
  const done = logger.records.filter((l) => l.msg.endsWith(' done'));
  assert.equal(done.length, 3);
  assert.ok(done.every((l) => typeof l.fields.durationMs === 'number' && typeof l.fields.phase === 'string'));
  assert.equal(r.stopped, undefined);
});

test('StopPipeline ends the run cleanly and skips later phases', async () => {
  const s: S = { ran: [] };
  const stop = phase<S>('plan', async () => {
    throw new StopPipeline('dry run');
  });
  const r = await runPipeline([rec('setup'), stop, rec('promote')], s, { logger: new MemoryLogger() });
  assert.deepEqual(s.ran, ['setup']);
  assert.equal(r.stopped, 'dry run');
  assert.deepEqual(r.phases.map((p) => p.result), ['ok', 'stopped']);
});

test('a failing phase is wrapped with its name, keeping code and cause', async () => {
  const inner = new KpromoError('REGISTRY_ERROR', 'connection refused');
  const fail = phase<S>('promote', async () => {
    throw inner;
  });
  const s: S = { ran: [] };
  await assert.rejects(runPipeline([rec('setup'), fail, rec('plan')], s, { logger: new MemoryLogger() }), (e) => {
    assert.ok(e instanceof PhaseError);
    assert.equal(e.message, 'phase "promote" failed: connection refused');
    assert.equal(e.code, 'REGISTRY_ERROR');
    assert.equal(e.cause, inner);
    assert.equal(e.phase, 'promote');
    return true;
  });
  assert.deepEqual(s.ran, ['setup']);
});

test('an aborted signal stops before the next phase', async () => {
  const ac = new AbortController();
  const s: S = { ran: [] };
  const abort = phase<S>('setup', async (st) => {
    st.ran.push('setup');
    ac.abort(new Error('interrupted'));
  });
  const r = await runPipeline([abort, rec('plan')], s, { logger: new MemoryLogger(), signal: ac.signal });
  assert.deepEqual(r.interrupted, { phase: 'plan', reason: 'interrupted' });
  assert.deepEqual(s.ran, ['setup']);
});

test('a phase that throws because the signal was aborted ends the run as interrupted in that phase', async () => {
  const ac = new AbortController();
  const s: S = { ran: [] };
  const copy = phase<S>('promote', async (_st, signal) => {
    ac.abort(new Error('interrupted by SIGTERM'));
    signal.throwIfAborted();
  });
  const r = await runPipeline([rec('setup'), copy, rec('sign')], s, { logger: new MemoryLogger(), signal: ac.signal });
  assert.deepEqual(r.interrupted, { phase: 'promote', reason: 'interrupted by SIGTERM' });
  assert.deepEqual(r.phases.map((p) => [p.name, p.result]), [['setup', 'ok'], ['promote', 'interrupted']]);
  assert.deepEqual(s.ran, ['setup']);
});

test('bad input passes through unwrapped, so the CLI still exits 2 with located problems', async () => {
  const bad = new InputError([{ file: 'm.yaml', line: 3, column: 1, message: 'invalid tag: "a b"' }]);
  const fail = phase<S>('plan', async () => {
    throw bad;
  });
  const s: S = { ran: [] };
  await assert.rejects(runPipeline([rec('setup'), fail, rec('promote')], s, { logger: new MemoryLogger() }), (e) => {
    assert.equal(e, bad);
    return true;
  });
  assert.deepEqual(s.ran, ['setup']);
});
