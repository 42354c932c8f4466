/**
 * `kpromo audit serve` against real Distribution registries whose notifications point at it: a
 * kpromo promotion (a single image and a multi-platform index) raises no alert; a rogue push of
 * an unknown image, a moved tag and a delete each raise theirs within a bounded number of events;
 * metrics count them; unauthenticated or malformed bodies get 401/400 and no alert; a restart's
 * reconcile catches a push made while the auditor was down.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { startDistribution, type Distribution } from '../support/distribution.js';
import { buildImage, buildMultiPlatform, pushImage, pushIndex, type ImageData, type IndexData } from '../support/seed.js';
import { promote, startEnv, writeManifest, type E2eEnv } from '../e2e/harness.js';
import { keyTrust, newKey } from '../trust/harness.js';
import { startTestAuditor, TOKEN, type TestAuditor } from './auditor.js';

let env: E2eEnv;
let prod: Distribution;
let auditor: TestAuditor;
let manifest: string;
let app: ImageData;
let multi: IndexData;

/** Events of one kind in the test's run, fewer than this, must raise their alert. */
const WITHIN = 30;

before(async () => {
  env = await startEnv(0);
  app = await pushImage(env.staging, 'staging/app', buildImage({ seed: 'audit-app' }), 'v1');
  multi = await pushIndex(env.staging, 'staging/multi', buildMultiPlatform({ seed: 'audit-multi' }), '1.0');
  // The auditor listens first (the registry's config names its URL); its manifest names the
  // production registry once that has a port: the change is loaded as generation 2.
  manifest = join(env.dir, 'audit-manifest.yaml');
  await writeFile(manifest, JSON.stringify({ registries: [{ name: '127.0.0.1:1/none', src: true }, { name: '127.0.0.1:2/none' }], images: [] }));
  auditor = await startTestAuditor({ manifests: { manifest }, workers: 1, read: { trust: { signatures: 'canonical', attestations: true } } });
  prod = await startDistribution({ delete: true, notifications: { url: `${auditor.url}/events/distribution`, token: TOKEN } });
  const real = await writeManifest(env.dir, `${env.staging.host}/staging`, [`${prod.host}/prod`], [
    { name: 'app', dmap: { [app.digest]: ['v1'] } },
    { name: 'multi', dmap: { [multi.digest]: ['1.0'] } },
  ]);
  await writeFile(manifest, await readFile(real, 'utf8'));
  assert.equal(await auditor.manifests.check(), true);
  assert.equal(auditor.manifests.current().generation, 2);
  await auditor.service.reconcile(); // the change's reconcile: everything missing before the promotion
});
after(async () => {
  await auditor?.stop();
  await prod?.stop();
  await env?.stop();
});

const eventAlerts = (): typeof auditor.alerts => auditor.alerts.filter((a) => a.source === 'event');

test('audit serve: a promotion is expected; rogue push, moved tag and delete alert; metrics count them', async () => {
  const before = auditor.alerts.filter((a) => a.source === 'reconcile').map((a) => a.kind);
  assert.deepEqual(before, ['missing', 'missing'], 'the reconcile of generation 2 saw both images missing');

  // signed and attested: `.sig` tags, attestation referrers pushed by digest and their fallback index tags
  const key = newKey();
  const r = await promote(manifest, { trust: keyTrust(key, key) });
  assert.equal(r.failure, undefined, r.failure?.message);
  assert.ok(r.state.trust!.signed.length > 0 && r.state.trust!.attested.length > 0);
  // A marker through the same registry: it sends one endpoint's events in order and the test
  // auditor classifies them in order (one worker), so once the marker is classified every event
  // of the promotion (copies, signatures, attestations, and the reads among them) is.
  await pushImage(prod, 'marker/done', buildImage({ seed: 'audit-marker' }), 'promotion-done');
  await auditor.waitForEvent((c) => c.event.repository === 'marker/done' && c.event.tag === 'promotion-done');
  const pushes = auditor.classified.filter((c) => c.event.action === 'push' && c.event.mediaType !== undefined);
  assert.ok(pushes.some((c) => c.event.tag === '1.0' && c.verdict.verdict === 'expected'), JSON.stringify(auditor.classified));
  assert.ok(pushes.some((c) => c.event.tag === 'v1' && c.verdict.verdict === 'expected'));
  const children = new Set(multi.manifests.map((c) => c.digest));
  assert.ok(pushes.some((c) => c.event.tag === undefined && children.has(c.event.digest!) && c.verdict.verdict === 'expected'), 'index children pushed by digest are expected');
  assert.ok(auditor.classified.some((c) => c.verdict.verdict === 'ignored' && c.verdict.reason === 'attachment'), 'attestation referrers pushed by digest are looked up and ignored');
  assert.ok(auditor.classified.some((c) => c.verdict.verdict === 'ignored' && c.verdict.reason === 'attachment tag'), '.sig and fallback index tags are ignored');
  assert.deepEqual(eventAlerts(), [], 'a kpromo promotion raises no alert');
  const reconciled = auditor.alerts.length;
  await auditor.service.reconcile();
  assert.deepEqual(auditor.alerts.slice(reconciled), [], 'after the promotion, nothing is missing, unsigned or unattested');
  assert.match(await auditor.metricsText(), /kpromo_audit_last_reconcile_findings 0/);

  const rogue = await pushImage(prod, 'prod/app', buildImage({ seed: 'audit-rogue' }), 'rogue');
  const a1 = await auditor.waitForAlert((a) => a.source === 'event' && a.kind === 'unexpected-digest', WITHIN);
  assert.equal(a1.tag, 'rogue');
  assert.equal(a1.digest, rogue.digest);
  assert.equal(a1.generation, 2);

  const mover = await pushImage(prod, 'prod/app', buildImage({ seed: 'audit-mover' }), 'v1');
  const a2 = await auditor.waitForAlert((a) => a.kind === 'tag-moved', WITHIN);
  assert.deepEqual([a2.tag, a2.digest, a2.expected], ['v1', mover.digest, app.digest]);

  const del = await request(`${prod.url}/v2/prod/app/manifests/${app.digest}`, { method: 'DELETE' });
  await del.body.dump();
  assert.equal(del.statusCode, 202);
  const a3 = await auditor.waitForAlert((a) => a.kind === 'declared-deleted', WITHIN);
  assert.equal(a3.digest, app.digest);

  assert.deepEqual(eventAlerts().map((a) => a.kind).sort(), ['declared-deleted', 'tag-moved', 'unexpected-digest']);
  const metrics = await auditor.metricsText();
  assert.match(metrics, /kpromo_audit_alerts_total\{kind="unexpected-digest"\} 1/);
  assert.match(metrics, /kpromo_audit_alerts_total\{kind="tag-moved"\} 1/);
  assert.match(metrics, /kpromo_audit_alerts_total\{kind="declared-deleted"\} 1/);
  assert.match(metrics, /kpromo_audit_events_total\{registry="distribution",action="push"\} \d+/);
  assert.match(metrics, /kpromo_audit_events_total\{registry="distribution",action="delete"\} 1/);
  assert.match(metrics, /kpromo_audit_manifest_generation 2/);
  assert.match(metrics, /kpromo_audit_last_reconcile_timestamp_seconds \d/);
});

test('audit serve: Pub/Sub push messages are classified too', async () => {
  const data = Buffer.from(JSON.stringify({ action: 'INSERT', digest: `${prod.host}/prod/multi@sha256:${'e'.repeat(64)}`, tag: `${prod.host}/prod/multi:evil` })).toString('base64');
  const res = await request(`${auditor.url}/events/pubsub?token=${TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: { data, messageId: 'm-1' }, subscription: 'projects/p/subscriptions/s' }),
  });
  await res.body.dump();
  assert.equal(res.statusCode, 202);
  const a = await auditor.waitForAlert((x) => x.eventId === 'm-1', WITHIN);
  assert.deepEqual([a.registry, a.kind, a.tag], ['gcr', 'unexpected-digest', 'evil']);
});

test('audit serve: unauthenticated or malformed event bodies get 401/400 and raise no alert', async () => {
  const alerts = auditor.alerts.length;
  const envelope = JSON.stringify({ events: [{ action: 'push', target: { repository: 'prod/app', tag: 'sneaky', digest: `sha256:${'d'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json' }, request: { host: prod.host } }] });
  const post = async (path: string, body: string, headers: Record<string, string>): Promise<number> => {
    const res = await request(`${auditor.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    await res.body.dump();
    return res.statusCode;
  };
  assert.equal(await post('/events/distribution', envelope, {}), 401);
  assert.equal(await post('/events/distribution', envelope, { authorization: 'Bearer wrong' }), 401);
  assert.equal(await post('/events/pubsub?token=wrong', envelope, {}), 401);
  assert.equal(await post('/events/distribution?token=' + TOKEN, envelope, {}), 401, 'query tokens are for Pub/Sub only');
  const auth = { authorization: `Bearer ${TOKEN}` };
  assert.equal(await post('/events/distribution', '{not json', auth), 400);
  assert.equal(await post('/events/distribution', JSON.stringify({ events: [{ action: 'push' }] }), auth), 400);
  assert.equal(await post('/events/distribution', JSON.stringify({ events: [{ action: 'push', target: { repository: 'prod/app', digest: 'sha256:nothex' } }] }), auth), 400);
  assert.equal(await post('/events/pubsub', JSON.stringify({ message: { data: 'bm90IGpzb24=' } }), auth), 400);
  assert.equal(auditor.alerts.length, alerts);
  const metrics = await auditor.metricsText();
  assert.match(metrics, /kpromo_audit_requests_rejected_total\{reason="unauthenticated"\} 4/);
  assert.match(metrics, /kpromo_audit_requests_rejected_total\{reason="malformed"\} 4/);
  // the same envelope, authenticated, is taken and alerts
  assert.equal(await post('/events/distribution', envelope, auth), 202);
  await auditor.waitForAlert((a) => a.tag === 'sneaky', WITHIN);
});

test('audit serve: after a restart, the reconcile catches a push made while it was down', async () => {
  await auditor.stop();
  const missed = await pushImage(prod, 'prod/multi', buildImage({ seed: 'audit-missed' }), 'while-down');
  auditor = await startTestAuditor({ manifests: { manifest } });
  const a = await auditor.waitForAlert((x) => x.source === 'reconcile' && x.tag === 'while-down');
  assert.equal(a.kind, 'unexpected-digest');
  assert.equal(a.digest, missed.digest);
  assert.equal(a.generation, 1, 'a fresh process starts at generation 1');
});
