import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { startDistribution, type Distribution } from '../support/distribution.js';
import { seedImage, seedIndex } from '../support/seed.js';
import { captureIO } from '../support/cli.js';

let reg: Distribution;
before(async () => {
  reg = await startDistribution();
});
after(() => reg.stop());

test('kpromo cip --snapshot against a real Distribution registry (catalog, tags, Docker list children)', async () => {
  const target = { url: reg.url };
  const list = await seedIndex(target, 'k8s/images/pause', '3.10', { seed: 'dist-pause', format: 'docker' });
  const one = await seedImage(target, 'k8s/images/nested/tool', 'v1', { seed: 'dist-tool' });
  await seedImage(target, 'k8s-other/x', 'v1', { seed: 'dist-other' });
  const io = captureIO();
  const code = await main(['cip', '--snapshot', `${reg.host}/k8s/images`, '--output', 'csv'], io);
  assert.equal(code, 0, io.err);
  // sorted by name ("nested/tool" < "pause"), then by digest
  const expected = [`nested/tool@${one.digest},nested/tool:v1`, ...[`pause@${list.digest},pause:3.10`, ...list.manifests.map((m) => `pause@${m.digest},-`)].sort()];
  assert.deepEqual(io.out.trimEnd().split('\n'), expected);
});
