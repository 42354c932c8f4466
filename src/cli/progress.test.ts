import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatSummary, ProgressRenderer, statusLine, Terminal } from './progress.js';
import { TextLogger } from './logger.js';

function fakeClock() {
  let t = 0;
  return { now: () => t, tick: (ms: number) => (t += ms) };
}

test('formatBytes and formatDuration', () => {
  const bytes: [number, string][] = [
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [5 * 1024 * 1024, '5.0 MiB'],
    [3 * 1024 ** 4, '3.0 TiB'],
  ];
  for (const [n, s] of bytes) assert.equal(formatBytes(n), s);
  const times: [number, string][] = [
    [0, '0ms'],
    [850.4, '850ms'],
    [12_340, '12.3s'],
    [245_000, '4m05s'],
  ];
  for (const [ms, s] of times) assert.equal(formatDuration(ms), s);
});

test('statusLine shows totals when known', () => {
  assert.equal(statusLine({ name: 'promote', images: 3, bytes: 2048, totalImages: 10, totalBytes: 4096 }), 'promote     3/10 image × destination copies  2.0 KiB/4.0 KiB');
  assert.equal(statusLine({ name: 'plan', images: 0, bytes: 0 }), 'plan      ');
  assert.equal(statusLine({ name: 'snapshot', images: 2, bytes: 0 }), 'snapshot    2 images');
});

test('on a terminal: one overwritten line per phase, redraws throttled, erased at phase end', () => {
  const out: string[] = [];
  const clock = fakeClock();
  const r = new ProgressRenderer({ write: (s) => out.push(s), isTTY: true, now: clock.now, minIntervalMs: 100 });
  r.phase('promote', { images: 3 });
  r.advance({ images: 1, bytes: 10 }); // within the interval: not drawn
  clock.tick(150);
  r.advance({ images: 1, bytes: 10 }); // drawn
  r.grow({ images: 1 });
  r.advance({ images: 2 }); // not drawn (throttled), but counted
  clock.tick(50);
  const stats = r.finish();
  assert.deepEqual(
    out.map((s) => s.replace('\r\x1b[2K', '|')),
    ['|promote     0/3 image × destination copies', '|promote     2/3 image × destination copies  20 B', '|'],
  );
  assert.deepEqual(stats, [{ name: 'promote', images: 4, bytes: 20, totalImages: 4, totalBytes: undefined, ms: 200 }]);
});

test('not on a terminal: prints nothing, still counts', () => {
  const out: string[] = [];
  const clock = fakeClock();
  const r = new ProgressRenderer({ write: (s) => out.push(s), isTTY: false, now: clock.now });
  r.phase('plan');
  clock.tick(5);
  r.phase('promote');
  r.advance({ images: 2, bytes: 2048 });
  clock.tick(1200);
  const stats = r.finish();
  assert.deepEqual(out, []);
  assert.deepEqual(
    stats.map((s) => [s.name, s.images, s.bytes, s.ms]),
    [
      ['plan', 0, 0, 5],
      ['promote', 2, 2048, 1200],
    ],
  );
  assert.equal(formatSummary(stats), 'promote: 2 image × destination copies, 2.0 KiB (1.2s)');
  assert.equal(formatSummary([{ name: 'plan', images: 0, bytes: 0, ms: 3 }]), 'nothing to do (3ms)');
});

/** What a terminal shows for `stream`: committed lines, and the line still being drawn. */
function screen(stream: string): { lines: string[]; current: string } {
  const lines: string[] = [];
  let current = '';
  for (const part of stream.split(/(\r\x1b\[2K|\n)/)) {
    if (part === '\r\x1b[2K') current = '';
    else if (part === '\n') {
      lines.push(current);
      current = '';
    } else current += part;
  }
  return { lines, current };
}

test('a fake TTY: log lines print above the status line, never into it; the status line is gone at the end', () => {
  let stream = '';
  const clock = fakeClock();
  const term = new Terminal((s) => void (stream += s));
  const log = new TextLogger(term.write, 'info');
  const r = new ProgressRenderer({ write: term.write, terminal: term, isTTY: true, now: clock.now, minIntervalMs: 0 });
  r.phase('promote', { images: 16, bytes: 104_000_000 });
  for (let i = 0; i < 16; i++) {
    r.advance({ images: 1, bytes: 5_000_000 });
    if (i % 5 === 0) log.warn(`retrying ${i}`);
    // mid-run, the screen is: every log line whole, and the live status line last
    const mid = screen(stream);
    assert.match(mid.current, /^promote +\d+\/16 image × destination copies/);
  }
  log.info('promotion done');
  const stats = r.finish();
  const end = screen(stream);
  assert.equal(end.current, '', 'the status line is erased before the summary');
  assert.deepEqual(end.lines, ['warn  retrying 0', 'warn  retrying 5', 'warn  retrying 10', 'warn  retrying 15', 'info  promotion done']);
  assert.equal(stats[0]!.images, 16);
});

test('not on a terminal: a plain line every interval while a phase runs, none after it ends', () => {
  const out: string[] = [];
  const clock = fakeClock();
  const timers: { ms: number; fn: () => void; live: boolean }[] = [];
  const every = (ms: number, fn: () => void) => {
    const t = { ms, fn, live: true };
    timers.push(t);
    return () => void (t.live = false);
  };
  const tick = (ms: number) => {
    clock.tick(ms);
    for (const t of timers) if (t.live) t.fn();
  };
  const r = new ProgressRenderer({ write: (s) => out.push(s), isTTY: false, now: clock.now, every, plainIntervalMs: 5000 });
  r.phase('plan', { images: 40 });
  r.advance({ images: 10 });
  tick(5000);
  r.grow({ images: 5 });
  r.advance({ images: 30 });
  tick(5000);
  r.phase('promote');
  r.finish();
  tick(5000);
  assert.deepEqual(out, ['plan        10/40 repositories  (5.0s)\n', 'plan        40/45 repositories  (10.0s)\n']);
  assert.deepEqual(timers.map((t) => [t.ms, t.live]), [[5000, false], [5000, false]]);
});
