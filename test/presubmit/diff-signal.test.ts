/**
 * A signal while `--use-prow-manifest-diff` still runs git (before any registry is touched): the
 * real CLI as a child process, a `git` on PATH that blocks until killed. The run exits 130 / 143
 * with one line, like a signal at any later point, not 1 with a git error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli } from './child.js';

let dir: string;
let bin: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kpromo-diff-signal-'));
  bin = join(dir, 'bin');
  await mkdir(bin);
  await mkdir(join(dir, 'marks'));
  // the first git command announces itself, then blocks until the CLI kills it
  await writeFile(join(bin, 'git'), `#!/bin/sh\ntouch "${join(dir, 'marks', 'git-started')}"\nexec sleep 300\n`);
  await chmod(join(bin, 'git'), 0o755);
  await mkdir(join(dir, 'reg', 'manifests', 'p'), { recursive: true });
  await mkdir(join(dir, 'reg', 'images', 'p'), { recursive: true });
  await writeFile(join(dir, 'reg', 'manifests', 'p', 'promoter-manifest.yaml'), 'registries:\n- name: 127.0.0.1:9/s\n  src: true\n- name: 127.0.0.1:9/a\n');
  await writeFile(join(dir, 'reg', 'images', 'p', 'images.yaml'), `- name: app\n  dmap:\n    "sha256:${'1'.repeat(64)}": ["v1"]\n`);
});
after(() => rm(dir, { recursive: true, force: true }));

/** Resolves when `dir/name` exists (watching `dir`; the watcher is closed then). */
function fileAppears(dir: string, name: string): Promise<void> {
  return new Promise((resolve) => {
    const w = watch(dir, () => {
      if (!existsSync(join(dir, name))) return;
      w.close();
      resolve();
    });
  });
}

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${sig} while git computes the manifest diff: exit ${code}, one line, nothing else attempted`, async () => {
    const started = fileAppears(join(dir, 'marks'), 'git-started');
    const cli = startCli(['cip', '--thin-manifest-dir', join(dir, 'reg'), '--use-prow-manifest-diff', '--sign=false'], {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: dir,
      DOCKER_CONFIG: dir,
      JOB_TYPE: 'postsubmit',
    });
    try {
      await started;
      cli.child.kill(sig);
      const exit = await cli.exited;
      assert.deepEqual(exit, { code, signal: null }, cli.stderr());
      assert.match(cli.stderr(), new RegExp(`interrupted by ${sig} before the run started: nothing was written`));
      assert.doesNotMatch(cli.stderr(), /git (diff|rev-parse|show|log)/);
    } finally {
      cli.kill();
      await rm(join(dir, 'marks', 'git-started'), { force: true });
    }
  });
}
