#!/usr/bin/env node
// Runs the test suite with node's test runner through tsx.
// Unit tests sit beside the code (src/**/*.test.ts); integration tests live in test/.
// Usage: node scripts/run-tests.mjs [--unit] [file-or-dir-filter ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function findTests(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(findTests(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let files = findTests(join(root, 'src'));
if (!unitOnly) files = files.concat(findTests(join(root, 'test')));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
files.sort();

if (!unitOnly) {
  const r = spawnSync('bash', [join(root, 'scripts/ensure-system-deps.sh')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);
