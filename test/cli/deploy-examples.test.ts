/**
 * The shipped deploy examples stay valid: they parse as YAML, the Indexed Job's arguments are
 * accepted by `kpromo cip` (with the index Kubernetes sets), and the shard counts agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { addCipFlags, toCipOptions } from '../../src/cli/cip-options.js';
import { attributeName, KpromoCommand } from '../../src/cli/flags.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('deploy/indexed-job.yaml: kpromo accepts its arguments, and its completions are the shard count', async () => {
  const job = parse(await readFile(`${root}deploy/indexed-job.yaml`, 'utf8')) as {
    spec: { completionMode: string; completions: number; template: { spec: { containers: { args: string[] }[] } } };
  };
  assert.equal(job.spec.completionMode, 'Indexed');
  const args = job.spec.template.spec.containers[0]!.args.map((a) => a.replace('$(JOB_COMPLETION_INDEX)', '2'));
  assert.equal(args[0], 'cip');
  const cmd = new KpromoCommand('cip').exitOverride();
  addCipFlags(cmd);
  cmd.parse(args.slice(1), { from: 'user' });
  const o = toCipOptions(cmd.opts(), (flag) => cmd.getOptionValueSource(attributeName(flag)) === 'cli', { JOB_COMPLETION_INDEX: '2' });
  assert.deepEqual(o.run.shard, { index: 2, count: job.spec.completions });
  assert.equal(o.run.reportFile, '/reports/shard-2.json');
});

test('deploy/github-actions-shards.yml: the matrix covers every shard of the count used', async () => {
  const text = await readFile(`${root}deploy/github-actions-shards.yml`, 'utf8');
  const wf = parse(text) as { jobs: { promote: { strategy: { matrix: { shard: number[] } } }; merge: { needs: string } } };
  const shards = wf.jobs.promote.strategy.matrix.shard;
  const count = Number(/--shard \$\{\{ matrix\.shard \}\}\/(\d+)/.exec(text)?.[1]);
  assert.deepEqual(shards, [...Array(count).keys()]);
  assert.equal(wf.jobs.merge.needs, 'promote');
  assert.match(text, /kpromo report merge/);
});
