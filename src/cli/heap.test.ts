import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const run = promisify(execFile);
const moduleUrl = (file: string): string => pathToFileURL(fileURLToPath(new URL(file, import.meta.url))).href;
const quiet = '{ stdout: () => {}, stderr: () => {}, isTTY: false, env: {} }';
/** How the child process sets its heap policy before the churn: not at all, directly, or by running the CLI once. */
const SETUP = {
  none: '',
  policy: `(await import(${JSON.stringify(moduleUrl('./heap.ts'))})).boundHeapGrowth();`,
  cli: `await (await import(${JSON.stringify(moduleUrl('./main.ts'))})).main(['version'], ${quiet});`,
};

/**
 * A plan's shape in miniature: a live set (the plan's state) and a stream of objects that live
 * long enough to be promoted to the old generation (requests in flight), then die. Prints the
 * largest old generation V8 reserved on the way (the young one differs between V8 versions).
 */
const churn = (setup: keyof typeof SETUP): string => `
${SETUP[setup]}
const live = [];
for (let i = 0; i < 800000; i++) live.push({ a: i, b: 'x' + i });
const { getHeapSpaceStatistics } = await import('node:v8');
const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size;
const window = [];
let peak = 0;
for (let round = 0; round < 4000; round++) {
  const batch = [];
  for (let j = 0; j < 1000; j++) batch.push({ j, s: 'y' + j, arr: [j] });
  window.push(batch);
  if (window.length > 200) window.shift();
  if (round % 20 === 0) peak = Math.max(peak, oldSpace());
}
process.stdout.write(String(peak + live.length * 0));
`;

async function peakHeap(setup: keyof typeof SETUP): Promise<number> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', churn(setup)], { maxBuffer: 1 << 20 });
  return Number(stdout);
}

const mib = (n: number): number => Math.round(n / 2 ** 20);

test('the CLI heap policy keeps the old generation near the live set (half the heap V8 reserves by default), and the CLI sets it', async () => {
  const without = await peakHeap('none');
  const withPolicy = await peakHeap('policy');
  const afterCli = await peakHeap('cli');
  assert.ok(without > 0 && withPolicy > 0 && afterCli > 0, `peaks ${without}, ${withPolicy}, ${afterCli}`);
  // measured old generation for the same 80 MiB live set: Node 20 370–400 MiB by default,
  // 160 MiB with the policy; Node 24 400–435 MiB and 220–250 MiB
  assert.ok(withPolicy < without * 0.75, `peak old generation ${mib(withPolicy)} MiB with the policy vs ${mib(without)} MiB without`);
  assert.ok(afterCli < without * 0.75, `peak old generation ${mib(afterCli)} MiB after running the CLI vs ${mib(without)} MiB without`);
});
