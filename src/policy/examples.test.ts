import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { caseFailures, loadCases, runCases } from './cases.js';
import { loadPolicy } from './load.js';

const dir = fileURLToPath(new URL('../../docs/examples/policy/', import.meta.url));

test('docs/examples/policy: every case of cases.yaml passes against policy.yaml', async () => {
  const policy = await loadPolicy(`${dir}policy.yaml`);
  const cases = await loadCases(`${dir}cases.yaml`);
  assert.ok(cases.length >= 8);
  const results = runCases(policy, cases);
  assert.deepEqual(caseFailures('cases.yaml', results), []);
});
