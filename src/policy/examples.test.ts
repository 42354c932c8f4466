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

test('docs/policy.md: the attribute reference is the schema, and the example files are quoted whole', async () => {
  const { readFile } = await import('node:fs/promises');
  const { attributeTable } = await import('./reference.js');
  const doc = await readFile(`${dir}../../policy.md`, 'utf8');
  assert.ok(doc.includes(attributeTable()), 'regenerate the table in docs/policy.md from attributeTable()');
  for (const f of ['policy.yaml', 'cases.yaml']) assert.ok(doc.includes(await readFile(`${dir}${f}`, 'utf8')), f);
});
