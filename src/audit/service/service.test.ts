import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '../../log.js';
import { MemoryRegistryClient } from '../../registry/memory/client.js';
import type { Classification } from '../classify.js';
import type { RegistryEvent } from '../events.js';
import type { Alert, AlertSink } from './alerts.js';
import { ManifestWatcher } from './manifests.js';
import { AuditMetrics } from './metrics.js';
import { AuditService } from './service.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const doc = (dmap: Record<string, string[]>) => JSON.stringify({ registries: [{ name: 's.test/s', src: true }, { name: 'p.test/p' }], images: [{ name: 'app', dmap }] });
const push = (tag: string | undefined, digest: string): RegistryEvent => ({ registry: 'distribution', action: 'push', host: 'p.test', repository: 'p/app', digest: digest as never, ...(tag ? { tag } : {}) });

test('AuditService: a manifest reload while events wait drops none; each is classified against the generation in use when taken', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-audit-svc-'));
  const file = join(dir, 'promoter-manifest.yaml');
  await writeFile(file, doc({ [D('a')]: ['v1'] }));
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => (open = r));
  // the first event's lookup (an untagged, undeclared manifest) waits at the gate; the rest queue behind it
  const client = new MemoryRegistryClient({ autoCreateHosts: true, intercept: (c) => (c.op === 'getManifest' ? gate : undefined) });
  const manifests = new ManifestWatcher({ manifest: file }, { checkIntervalMs: 0, logger: new MemoryLogger() });
  await manifests.start();
  const alerts: Alert[] = [];
  const sink: AlertSink = { send: (a) => void alerts.push(a), flush: async () => {} };
  const seen: { e: RegistryEvent; c: Classification; generation: number }[] = [];
  const metrics = new AuditMetrics();
  const svc = new AuditService(
    { client, manifests, alerts: sink, metrics, logger: new MemoryLogger() },
    { reconcileIntervalMs: 0, workers: 1, queueCapacity: 100, onClassified: (e, c) => seen.push({ e, c, generation: manifests.current().generation }) },
  );
  try {
    const later = Array.from({ length: 20 }, () => push('v2', D('b')));
    assert.equal(svc.offer([push(undefined, D('f')), ...later]), true);
    assert.match(await metrics.registry.metrics(), /kpromo_audit_queue_depth 21/);
    await writeFile(file, doc({ [D('a')]: ['v1'], [D('b')]: ['v2'] }));
    assert.equal(await manifests.check(), true);
    open();
    await svc.stop();
    assert.equal(seen.length, 21, 'every event classified');
    assert.deepEqual(seen.slice(1).map((s) => [s.c.verdict, s.generation]), later.map(() => ['expected', 2]));
    assert.deepEqual(alerts.map((a) => [a.kind, a.generation]), [['unexpected-digest', 1]], 'the first was taken under generation 1');
    assert.equal(svc.ready, false, 'not ready once stopping (the HTTP layer answers 503)');
  } finally {
    manifests.close();
    await rm(dir, { recursive: true, force: true });
  }
});
