import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { Command } from 'commander';
import { addFlags, FlagReader, readFlags } from './flags.js';
import { NETWORK_FLAGS, readNetworkOptions } from './network-options.js';

const read = (raw: Record<string, unknown>) => {
  const f = new FlagReader({ registryBurst: 10, registryMaxInFlight: 64, registryRetries: 5, registryMaxRetryAfter: 300, registryMinThroughput: 10240, registryThroughputWindow: 30, ...raw }, (k) => k in raw);
  return { opts: readNetworkOptions(f), problems: f.problems.map((p) => p.message) };
};

test('--registry-qps: a default and per-host overrides, repeatable and comma-separated', () => {
  const { opts, problems } = read({ registryQps: ['20', 'us-docker.pkg.dev=40,127.0.0.1:5000=5'] });
  assert.deepEqual(problems, []);
  assert.equal(opts.qps, 20);
  assert.deepEqual(opts.hostQps, { 'us-docker.pkg.dev': 40, '127.0.0.1:5000': 5 });
  assert.deepEqual(opts.retry, { maxAttempts: 6 });
  assert.deepEqual(opts.concurrency, { max: 64, initial: 16 });
});

test('bad values are reported, every one', () => {
  const { problems } = read({ registryQps: ['0', 'h=x', '=3', 'fast'], registryRetries: -1 });
  assert.equal(problems.length, 5);
  assert.match(problems[0]!, /invalid --registry-qps "0"/);
});

test('a low in-flight ceiling also caps the starting value', () => {
  assert.deepEqual(read({ registryMaxInFlight: 4 }).opts.concurrency, { max: 4, initial: 4 });
});

test('--insecure-registry (repeatable) and --ca-file reach the access settings', () => {
  const { opts, problems } = read({ insecureRegistry: ['reg.internal:5000', 'other.local,third.local'], caFile: '/etc/ca.pem' });
  assert.deepEqual(problems, []);
  assert.deepEqual(opts.insecureRegistries, ['reg.internal:5000', 'other.local', 'third.local']);
  assert.equal(opts.caFile, '/etc/ca.pem');
  assert.equal(read({}).opts.insecureRegistries, undefined);
});

describe('retry notices', () => {
  it('logs each host\'s attempt number at info once, concurrent repeats at debug', async () => {
    const { retryLogger, formatWait } = await import('./network-client.js');
    const { MemoryLogger } = await import('../log.js');
    const log = new MemoryLogger();
    const notify = retryLogger(log);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' });
    notify({ host: '127.0.0.1:5000', attempt: 2, maxAttempts: 6, delayMs: 500, error: refused });
    notify({ host: '127.0.0.1:5000', attempt: 2, maxAttempts: 6, delayMs: 400, error: refused });
    notify({ host: '127.0.0.1:5000', attempt: 3, maxAttempts: 6, delayMs: 8000, error: refused });
    notify({ host: 'r.io', attempt: 2, maxAttempts: 6, delayMs: 12_400, status: 503 });
    assert.deepEqual(log.records.map((r) => `${r.level} ${r.msg}`), [
      'info waiting 0.5 s for 127.0.0.1:5000: connection refused, attempt 2/6',
      'debug waiting 0.4 s for 127.0.0.1:5000: connection refused, attempt 2/6',
      'info waiting 8 s for 127.0.0.1:5000: connection refused, attempt 3/6',
      'info waiting 12 s for r.io: HTTP 503, attempt 2/6',
    ]);
    assert.equal(formatWait(1250), '1.3 s');
  });
});

test('--registry-max-retry-after is read in seconds (default 5 minutes)', () => {
  assert.equal(read({}).opts.maxRetryAfterMs, 300_000);
  assert.equal(read({ registryMaxRetryAfter: 30 }).opts.maxRetryAfterMs, 30_000);
  assert.match(read({ registryMaxRetryAfter: -1 }).problems[0]!, /--registry-max-retry-after/);
});

test('--registry-min-throughput and --registry-throughput-window set the body floor; 0 turns it off', () => {
  assert.deepEqual(read({}).opts.throughput, { minBytesPerSecond: 10240, windowMs: 30_000 });
  assert.deepEqual(read({ registryMinThroughput: 2048, registryThroughputWindow: 5 }).opts.throughput, { minBytesPerSecond: 2048, windowMs: 5000 });
  assert.equal(read({ registryMinThroughput: 0 }).opts.throughput, false);
  assert.match(read({ registryThroughputWindow: 0 }).problems[0]!, /--registry-throughput-window/);
});

/** Parses `argv` through commander with the network flags, as `kpromo cip` does. */
function parseArgv(...argv: string[]) {
  const cmd = new Command('cip').exitOverride();
  addFlags(cmd, NETWORK_FLAGS);
  cmd.parse(argv, { from: 'user' });
  const f = readFlags(cmd);
  return { opts: readNetworkOptions(f), problems: f.problems.map((p) => p.message) };
}

test('the documented defaults with no network flag (README "Network policy")', () => {
  const { opts, problems } = parseArgv();
  assert.deepEqual(problems, []);
  assert.equal(opts.qps, undefined, 'no flat rate: hosts get 50 req/s, loopback 1,000 (see policy.test.ts)');
  assert.equal(opts.burst, 10);
  assert.deepEqual(opts.concurrency, { max: 64, initial: 16 });
  assert.deepEqual(opts.retry, { maxAttempts: 6 }, '--registry-retries defaults to 5');
});

test('every network flag given on the command line reaches the settings', () => {
  const { opts, problems } = parseArgv(
    ...['--registry-qps', '7', '--registry-burst', '3', '--registry-max-in-flight', '5', '--registry-retries', '2'],
    ...['--registry-max-retry-after', '30', '--registry-min-throughput', '2048', '--registry-throughput-window', '5'],
  );
  assert.deepEqual(problems, []);
  assert.equal(opts.maxRetryAfterMs, 30_000);
  assert.deepEqual(opts.throughput, { minBytesPerSecond: 2048, windowMs: 5000 });
  assert.equal(opts.qps, 7);
  assert.equal(opts.burst, 3);
  assert.deepEqual(opts.concurrency, { max: 5, initial: 5 });
  assert.deepEqual(opts.retry, { maxAttempts: 3 });
});
