import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '../../log.js';
import { ManifestWatcher } from './manifests.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const doc = (dmap: Record<string, string[]>) => JSON.stringify({ registries: [{ name: 's.test/s', src: true }, { name: 'p.test/p' }], images: [{ name: 'app', dmap }] });

test('ManifestWatcher: a change is a new generation; an invalid change keeps the previous one; no change parses nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-audit-watch-'));
  const file = join(dir, 'promoter-manifest.yaml');
  await writeFile(file, doc({ [D('a')]: ['v1'] }));
  const changes: number[] = [];
  let errors = 0;
  const w = new ManifestWatcher({ manifest: file }, { checkIntervalMs: 0, logger: new MemoryLogger(), onChange: (s) => changes.push(s.generation), onError: () => errors++ });
  try {
    assert.equal((await w.start()).generation, 1);
    assert.equal(await w.check(), false);
    await writeFile(file, doc({ [D('a')]: ['v1'], [D('b')]: ['v2'] }));
    assert.equal(await w.check(), true);
    assert.equal(w.current().generation, 2);
    assert.equal(w.current().declared.get('p.test/p/app')!.tags.get('v2'), D('b'));
    await writeFile(file, 'images: [not: {a manifest');
    assert.equal(await w.check(), false);
    assert.equal(errors, 1);
    assert.equal(w.current().generation, 2, 'the previous generation stays in use');
    assert.deepEqual(changes, [2]);
  } finally {
    w.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('ManifestWatcher: fs.watch notices an edit without an explicit check', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-audit-watch-'));
  const file = join(dir, 'promoter-manifest.yaml');
  await writeFile(file, doc({ [D('a')]: ['v1'] }));
  let changed: (g: number) => void = () => {};
  const next = new Promise<number>((r) => (changed = r));
  const w = new ManifestWatcher({ manifest: file }, { checkIntervalMs: 0, logger: new MemoryLogger(), onChange: (s) => changed(s.generation) });
  try {
    await w.start();
    await writeFile(file, doc({ [D('c')]: ['v3'] }));
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('fs.watch never fired')), 10_000)));
    assert.equal(await Promise.race([next, bound]), 2);
    clearTimeout(timer);
  } finally {
    w.close();
    await rm(dir, { recursive: true, force: true });
  }
});
