import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../errors.js';
import { addCipFlags, toCipOptions, type CipOptions } from './cip-options.js';
import { KpromoCommand, setOnCommandLine } from './flags.js';

function parse(env: NodeJS.ProcessEnv, ...argv: string[]): CipOptions {
  const cmd = new KpromoCommand('cip').exitOverride();
  addCipFlags(cmd);
  cmd.parse(['--manifest', 'm.yaml', ...argv], { from: 'user' });
  return toCipOptions(cmd.opts(), setOnCommandLine(cmd), env);
}

function problems(env: NodeJS.ProcessEnv, ...argv: string[]): string {
  try {
    parse(env, ...argv);
  } catch (err) {
    assert.ok(err instanceof InputError);
    return err.problems.map((p) => p.message).join('\n');
  }
  assert.fail('expected an InputError');
}

test('the shard comes from --shard, or from $JOB_COMPLETION_INDEX with --shard-count', () => {
  const cases: { env: NodeJS.ProcessEnv; argv: string[]; shard: { index: number; count: number } | undefined }[] = [
    { env: {}, argv: [], shard: undefined },
    { env: { JOB_COMPLETION_INDEX: '2' }, argv: [], shard: undefined }, // the variable alone does not shard a run
    { env: {}, argv: ['--shard', '1/3'], shard: { index: 1, count: 3 } },
    { env: { JOB_COMPLETION_INDEX: '2' }, argv: ['--shard-count', '3'], shard: { index: 2, count: 3 } },
    { env: { JOB_COMPLETION_INDEX: '2' }, argv: ['--shard', '0', '--shard-count', '3'], shard: { index: 0, count: 3 } },
    { env: {}, argv: ['--shard', '0/1'], shard: undefined },
    { env: {}, argv: ['--shard-count', '1'], shard: undefined },
  ];
  for (const c of cases) assert.deepEqual(parse(c.env, ...c.argv).run.shard, c.shard, JSON.stringify(c));
});

test('bad shard settings are input errors naming the flag or the variable', () => {
  assert.match(problems({}, '--shard', '3/3'), /--shard: .*below COUNT/);
  assert.match(problems({}, '--shard-count', '3'), /needs the shard index/);
  assert.match(problems({ JOB_COMPLETION_INDEX: '5' }, '--shard-count', '3'), /\$JOB_COMPLETION_INDEX: .*below COUNT/);
  assert.match(problems({}, '--shard', '1/4', '--shard-count', '3'), /disagrees/);
  assert.match(problems({}, '--shard-count', '0', '--shard', '0'), /--shard-count/);
});

test('a shard takes 1/COUNT of each host budget, of the plan reads and of the writes per host', () => {
  const o = parse({}, '--shard', '0/4', '--registry-qps', '40', '--max-requests-per-host', '16', '--max-writes-per-host', '6');
  assert.equal(o.network.share, 1 / 4);
  assert.equal(o.network.qps, 40); // divided where the budget is built (budgetFor)
  assert.equal(o.run.requestsPerHost, 4);
  assert.equal(o.run.writesPerHost, 2);
  const whole = parse({}, '--registry-qps', '40');
  assert.equal(whole.network.share, undefined);
  assert.equal(whole.run.requestsPerHost, 16);
  assert.equal(whole.run.writesPerHost, 16);
});

test('a sharded run is named by --run-id, $KPROMO_RUN_ID or GitHub Actions run id; an unsharded run has none', () => {
  const cases: { env: NodeJS.ProcessEnv; argv: string[]; run: string | undefined }[] = [
    { env: { KPROMO_RUN_ID: 'k1' }, argv: [], run: undefined },
    { env: {}, argv: ['--shard', '0/2'], run: undefined },
    { env: { KPROMO_RUN_ID: 'k1', GITHUB_RUN_ID: '77' }, argv: ['--shard', '0/2'], run: 'k1' },
    { env: { GITHUB_RUN_ID: '77', GITHUB_RUN_ATTEMPT: '2' }, argv: ['--shard', '0/2'], run: '77' },
    { env: { KPROMO_RUN_ID: 'k1' }, argv: ['--shard', '0/2', '--run-id', 'job/abc-123'], run: 'job/abc-123' },
  ];
  for (const c of cases) assert.equal(parse(c.env, ...c.argv).run.runId, c.run, JSON.stringify(c));
  assert.match(problems({}, '--shard', '0/2', '--run-id', 'a b'), /--run-id "a b": letters, digits/);
});
