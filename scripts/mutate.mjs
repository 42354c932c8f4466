#!/usr/bin/env node
// Mutation check: plants known bugs in the core, one at a time, in a scratch copy of the tree,
// runs the tests that should catch each, and reports the mutants that survive (tests still green).
// The working tree is never touched: src/, test/, scripts/, bench/, bin/ and the package files
// are copied to a temp dir with node_modules symlinked.
// Usage: node scripts/mutate.mjs [--list] [--keep] [id-substring ...]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS } from './mutants.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const selected = MUTANTS.filter((m) => filters.length === 0 || filters.some((f) => m.id.includes(f)));

if (args.includes('--list')) {
  for (const m of selected) console.log(`${m.id.padEnd(36)} ${m.file}\n${' '.repeat(37)}${m.bug}\n${' '.repeat(37)}tests: ${m.tests.join(' ')}`);
  process.exit(0);
}
if (selected.length === 0) {
  console.error(`no mutant matches ${filters.join(' ')} (see --list)`);
  process.exit(2);
}

// Every mutant must still apply to the working tree before anything runs: a search string that
// is gone (or no longer unique) means the code changed and the mutant must be updated.
const stale = [];
for (const m of selected) {
  const text = readFileSync(join(root, m.file), 'utf8');
  const n = text.split(m.search).length - 1;
  if (n !== 1) stale.push(`${m.id}: mutant no longer applies (${m.file}: search string found ${n} times)`);
}
if (stale.length) {
  for (const s of stale) console.error(s);
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), 'kpromo-mutate-'));
for (const entry of ['src', 'test', 'scripts', 'bench', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
  if (existsSync(join(root, entry))) cpSync(join(root, entry), join(scratch, entry), { recursive: true });
}
symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
const logs = join(scratch, 'mutant-logs');
mkdirSync(logs);
console.log(`scratch tree: ${scratch}${args.includes('--keep') ? ` (kept; test output of each mutant in ${logs})` : ''}`);

const results = [];
try {
  for (const m of selected) {
    const file = join(scratch, m.file);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(m.search, m.replace));
    const started = Date.now();
    const r = spawnSync(process.execPath, [join(scratch, 'scripts/run-tests.mjs'), ...m.tests], {
      cwd: scratch,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NODE_TEST_CONTEXT: undefined },
    });
    writeFileSync(file, original);
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    writeFileSync(join(logs, `${m.id.replace(/\//g, '_')}.log`), out);
    const failing = [...out.matchAll(/^\s*not ok \d+ - (.+)$/gm)].map((x) => x[1]).filter((t) => !/\.test\.ts$/.test(t) && !t.startsWith('/'));
    const killed = r.status !== 0;
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    results.push({ m, killed, failing });
    console.log(`${killed ? 'killed  ' : 'SURVIVED'} ${m.id} (${secs} s)${killed ? `: ${failing.slice(0, 3).join(' | ') || `exit ${r.status}`}` : ''}`);
  }
} finally {
  if (!args.includes('--keep')) rmSync(scratch, { recursive: true, force: true });
}

const survivors = results.filter((x) => !x.killed);
console.log(`\n${results.length - survivors.length} killed, ${survivors.length} survived`);
for (const { m } of survivors) console.log(`  survived: ${m.id} — ${m.bug}${m.note ? ` (${m.note})` : ''}`);
process.exit(survivors.length ? 1 : 0);
