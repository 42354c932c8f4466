#!/usr/bin/env node
// Checks the import graph of a TypeScript source tree (default: src/):
//   1. no import cycles among its files (relative `import … from`, `export … from` and bare
//      `import './x.js'` statements, type-only ones included);
//   2. no library file (outside <root>/cli/, not a *.test.ts) imports from <root>/cli/: the
//      library never imports the CLI. Unit tests of CLI functions may sit beside the library
//      code whose fixtures they share.
// Usage: node scripts/check-cycles.mjs [ROOT]. Prints each problem and exits 1 when there is one.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every .ts file under `dir`. */
export function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The files `file` imports relatively, resolved to existing .ts files. */
export function relativeImports(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1];
    const base = resolve(dirname(file), spec);
    const candidates = [base.replace(/\.(m?js)$/, (_, e) => (e === 'mjs' ? '.mts' : '.ts')), base, `${base}.ts`, join(base, 'index.ts')];
    const hit = candidates.find((c) => c.endsWith('.ts') && existsSync(c));
    if (hit) out.push(hit);
  }
  return out;
}

/** The import graph of the .ts files under `root`: file → files it imports inside `root`. */
export function importGraph(root) {
  const files = tsFiles(root);
  const inside = new Set(files);
  return new Map(files.map((f) => [f, [...new Set(relativeImports(f))].filter((t) => inside.has(t))]));
}

/** Every elementary cycle reachable by a DFS, each once, as a list of files (first repeated at the end). */
export function findCycles(graph) {
  const state = new Map(); // undefined: unseen, 1: on the stack, 2: done
  const stack = [];
  const cycles = [];
  const seen = new Set();
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 1) {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join('\n');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, next]);
        }
      } else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
  return cycles;
}

/** Imports of `<root>/cli/` files from library files (outside it, not tests), as [importer, imported]. */
export function cliImports(graph, root) {
  const cli = join(root, 'cli') + sep;
  const out = [];
  for (const [from, tos] of graph) {
    if (from.startsWith(cli) || from.endsWith('.test.ts')) continue;
    for (const to of tos) if (to.startsWith(cli)) out.push([from, to]);
  }
  return out;
}

/** The problems of the tree at `root`, as printable lines. */
export function check(root) {
  const graph = importGraph(root);
  const rel = (f) => relative(process.cwd(), f);
  return [
    ...findCycles(graph).map((c) => `import cycle: ${c.map(rel).join(' -> ')}`),
    ...cliImports(graph, root).map(([from, to]) => `library imports the CLI: ${rel(from)} imports ${rel(to)}`),
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));
  const problems = check(root);
  for (const p of problems) console.log(p);
  if (problems.length > 0) process.exitCode = 1;
  else console.log(`no import cycles and no CLI imports from the library under ${relative(process.cwd(), root) || '.'}`);
}
