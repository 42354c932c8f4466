#!/usr/bin/env node
// Runs the test suite with node's test runner through tsx.
// Unit tests sit beside the code (src/**/*.test.ts); integration tests live in test/.
// Usage: node scripts/run-tests.mjs [--unit] [--current-node] [file-or-dir-filter ...]
// A whole run (no filter) runs the suite on the Node running this script, then again on the
// current LTS (scripts/ensure-node-lts.sh installs it into .node-lts/); --current-node skips the
// second run, and a filtered run is always on the current Node only.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const currentOnly = args.includes('--current-node');
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

const testArgs = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files];

/** Runs the suite on `node`, passing its output through; resolves with its exit status and counts. */
function runOn(node) {
  return new Promise((resolve) => {
    const child = spawn(node, testArgs, { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
    const counts = { pass: 0, fail: 0 };
    let rest = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        // The runner's closing counts: "# pass 12" (tap) or "ℹ pass 12" (spec).
        const m = /^(?:#|\u2139) (pass|fail) (\d+)\s*$/.exec(line);
        if (m) counts[m[1]] = Number(m[2]);
      }
    });
    child.on('close', (code) => resolve({ status: code ?? 1, ...counts }));
  });
}

const nodes = [process.execPath];
if (!currentOnly && filters.length === 0) {
  const lts = spawnSync('bash', [join(root, 'scripts/ensure-node-lts.sh')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  if (lts.status !== 0) process.exit(lts.status ?? 1);
  const bin = lts.stdout.toString().trim();
  if (bin !== process.execPath) nodes.push(bin);
}

let status = 0;
const total = { pass: 0, fail: 0 };
for (const node of nodes) {
  const version = spawnSync(node, ['--version']).stdout.toString().trim();
  console.log(`# node ${version}: ${files.length} test files`);
  const r = await runOn(node);
  if (r.status !== 0) status = r.status;
  total.pass += r.pass;
  total.fail += r.fail;
}
console.log(`all: ${total.pass} passed, ${total.fail} failed`);
process.exit(status);
