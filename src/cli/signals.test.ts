import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { InterruptedError } from '../errors.js';
import { stopOnSignals, type SignalHost, type StopSignal } from './signals.js';

/** A fake process: signals are emitted by the test, exit and the grace timer are recorded. */
function fakeHost() {
  const em = new EventEmitter();
  const exits: number[] = [];
  const timers: { ms: number; fire: () => void; cancelled: boolean }[] = [];
  const host: SignalHost = {
    on: (s, l) => em.on(s, l),
    off: (s, l) => em.off(s, l),
    exit: (code) => void exits.push(code),
    startTimer: (ms, fire) => {
      const t = { ms, fire, cancelled: false };
      timers.push(t);
      return () => void (t.cancelled = true);
    },
  };
  return { host, exits, timers, emit: (s: StopSignal) => em.emit(s), listeners: (s: StopSignal) => em.listenerCount(s) };
}

test('the first signal aborts the run with an InterruptedError and starts the grace timer; the second exits at once', () => {
  const f = fakeHost();
  const lines: string[] = [];
  const stop = stopOnSignals((l) => lines.push(l), { host: f.host, graceMs: 10_000 });
  assert.equal(stop.signal.aborted, false);
  f.emit('SIGTERM');
  assert.equal(stop.signal.aborted, true);
  assert.ok(stop.signal.reason instanceof InterruptedError);
  assert.equal((stop.signal.reason as InterruptedError).signal, 'SIGTERM');
  assert.equal(stop.exitCode(), 143);
  assert.deepEqual(f.exits, [], 'the first signal does not exit');
  assert.equal(f.timers.length, 1);
  assert.equal(f.timers[0]!.ms, 10_000);
  f.emit('SIGINT');
  assert.deepEqual(f.exits, [130], 'a second signal exits at once with its own code');
  assert.match(lines.join(''), /exiting at once/);
});

test('a run that does not stop within the grace period exits with the first signal code', () => {
  const f = fakeHost();
  const lines: string[] = [];
  const stop = stopOnSignals((l) => lines.push(l), { host: f.host });
  f.emit('SIGINT');
  assert.equal(stop.exitCode(), 130);
  f.timers[0]!.fire();
  assert.deepEqual(f.exits, [130]);
  assert.match(lines.join(''), /not stopped within 10 s of SIGINT/);
});

test('dispose removes the handlers and cancels the grace timer', () => {
  const f = fakeHost();
  const stop = stopOnSignals(() => {}, { host: f.host });
  assert.equal(f.listeners('SIGINT'), 1);
  f.emit('SIGINT');
  stop.dispose();
  assert.equal(f.listeners('SIGINT'), 0);
  assert.equal(f.listeners('SIGTERM'), 0);
  assert.equal(f.timers[0]!.cancelled, true);
});
