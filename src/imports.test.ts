/**
 * The import rules of the source tree, checked by scripts/check-cycles.mjs (`npm run check:cycles`):
 * no import cycles, and no library file importing the CLI. A change that adds either fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempTrees } from '../test/support/tree.js';

const SCRIPT = fileURLToPath(new URL('../scripts/check-cycles.mjs', import.meta.url));
const SRC = fileURLToPath(new URL('.', import.meta.url));
const tree = tempTrees();

function check(root: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('src/ has no import cycle and no library file imports src/cli/', () => {
  const r = check(SRC);
  assert.equal(r.code, 0, r.out);
});

test('the checker reports a cycle (type-only imports included) and a library import of the CLI', async () => {
  const root = await tree({
    'a.ts': "import { b } from './b.js';\nexport const a = b;\n",
    'b.ts': "import type { C } from './c/index.js';\nexport const b = 1;\nexport type B = C;\n",
    'c/index.ts': "export { a } from '../a.js';\nexport type C = number;\n",
    'ok.ts': "import { a } from './a.js';\nexport const ok = a;\n",
    'lib.ts': "import { run } from './cli/main.js';\nexport const lib = run;\n",
    'lib.test.ts': "import { run } from './cli/main.js';\nvoid run;\n",
    'cli/main.ts': "import { ok } from '../ok.js';\nexport const run = ok;\n",
  });
  const r = check(root);
  assert.equal(r.code, 1, r.out);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('import cycle: ')).length, 1, r.out);
  assert.match(r.out, /import cycle: .*a\.ts -> .*b\.ts -> .*c\/index\.ts -> .*a\.ts/);
  assert.deepEqual(lines.filter((l) => l.startsWith('library imports the CLI')).map((l) => l.replace(/^.*: (\S*lib\S*) imports (\S+)$/, '$1 $2').replace(/^.*\/(lib\S*) .*\/(cli\/\S+)$/, '$1 $2')), ['lib.ts cli/main.ts']);
});
