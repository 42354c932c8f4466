/** A reader that closes early (`kpromo cip … | head -1`): the CLI stops writing quietly, no stack trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../bench/kpromo-entry.ts', import.meta.url));
const tree = fileURLToPath(new URL('../fixtures/k8s-io', import.meta.url));

test('stdout closed by its reader before the output: exit 0 and nothing on stderr', async () => {
  // a long output (about 120 kB of YAML): every write after the reader left fails with EPIPE
  const args = ['cip', '--thin-manifest-dir', tree, '--manifest-based-snapshot-of', 'us-central1-docker.pkg.dev/k8s-artifacts-prod/images'];
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
  // the reader is gone before the first write (as `| head -1` is after its line)
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.doesNotMatch(err, /EPIPE|Unhandled 'error' event/, err);
  assert.equal(code, 0, err);
});
