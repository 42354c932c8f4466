import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { request } from 'undici';
import { MemoryLogger } from '../../log.js';
import type { RegistryEvent } from '../events.js';
import { alertSink, type Alert } from './alerts.js';
import { AuditMetrics } from './metrics.js';
import { MAX_EVENT_BODY_BYTES, RETRY_AFTER_SECONDS, startAuditServer } from './server.js';

const envelope = JSON.stringify({ events: [{ action: 'push', target: { repository: 'r', tag: 't', digest: `sha256:${'a'.repeat(64)}` } }] });
const auth = { authorization: 'Bearer k' };

async function withServer(
  intake: { ready: boolean; offer(e: readonly RegistryEvent[]): boolean },
  fn: (url: string, metrics: AuditMetrics) => Promise<void>,
  extra: { maxUnverifiedBodies?: number } = {},
): Promise<void> {
  const metrics = new AuditMetrics();
  const s = await startAuditServer('127.0.0.1', 0, { secret: 'k', intake, metrics, logger: new MemoryLogger(), ...extra });
  try {
    await fn(`http://${s.address}`, metrics);
  } finally {
    await s.close();
  }
}

async function call(url: string, opts: { method?: 'GET' | 'POST' | 'PUT'; body?: string | Buffer; headers?: Record<string, string> } = {}) {
  const res = await request(url, { method: opts.method ?? 'GET', body: opts.body, headers: opts.headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

test('audit server: health, readiness, metrics, unknown paths and methods', async () => {
  const intake = { ready: true, offer: () => true };
  await withServer(intake, async (url) => {
    assert.equal((await call(`${url}/healthz`)).status, 200);
    assert.equal((await call(`${url}/readyz`)).status, 200);
    const m = await call(`${url}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.text, /# TYPE kpromo_audit_events_total counter/);
    assert.equal((await call(`${url}/nope`)).status, 404);
    assert.equal((await call(`${url}/events/distribution`)).status, 405);
    intake.ready = false;
    assert.equal((await call(`${url}/readyz`)).status, 503);
    assert.equal((await call(`${url}/healthz`)).status, 200, 'alive while shutting down');
  });
});

test('audit server: a full queue answers 503 with Retry-After, the batch is not taken', async () => {
  const taken: RegistryEvent[][] = [];
  let room = true;
  await withServer({ ready: true, offer: (e) => (room ? (taken.push([...e]), true) : false) }, async (url, metrics) => {
    assert.equal((await call(`${url}/events/distribution`, { method: 'POST', body: envelope, headers: auth })).status, 202);
    room = false;
    const full = await call(`${url}/events/distribution`, { method: 'POST', body: envelope, headers: auth });
    assert.equal(full.status, 503);
    assert.equal(full.headers['retry-after'], String(RETRY_AFTER_SECONDS));
    assert.equal(taken.length, 1);
    assert.match(await metrics.registry.metrics(), /kpromo_audit_requests_rejected_total\{reason="queue-full"\} 1/);
  });
});

test('audit server: a body over the cap is refused (413) before authentication or parsing', async () => {
  await withServer({ ready: true, offer: () => assert.fail('nothing is taken') }, async (url) => {
    const big = Buffer.alloc(MAX_EVENT_BODY_BYTES + 1, 0x20);
    assert.equal((await call(`${url}/events/distribution`, { method: 'POST', body: big, headers: auth })).status, 413);
  });
});

test('audit server: a request without any credential is answered 401 without its body being read', { timeout: 30_000 }, async () => {
  await withServer({ ready: true, offer: () => assert.fail('nothing is taken') }, async (url, metrics) => {
    const { port } = new URL(url);
    const sock = connect(Number(port), '127.0.0.1');
    let got = '';
    const answered = new Promise<void>((resolve) => {
      sock.on('data', (c) => {
        got += c.toString();
        if (got.includes('\r\n\r\n')) resolve();
      });
      sock.on('close', () => resolve());
    });
    // declares a large body and sends almost none of it; the answer must not wait for the rest
    sock.write(`POST /events/distribution HTTP/1.1\r\nHost: audit\r\nContent-Length: ${MAX_EVENT_BODY_BYTES}\r\n\r\n{"events":`);
    await answered;
    sock.destroy();
    assert.match(got, /^HTTP\/1\.1 401 /);
    assert.match(await metrics.registry.metrics(), /kpromo_audit_requests_rejected_total\{reason="unauthenticated"\} 1/);
    // the HMAC form still reads the body first, and a wrong one is refused
    assert.equal((await call(`${url}/events/distribution`, { method: 'POST', body: envelope, headers: { 'x-kpromo-signature': 'sha256=00' } })).status, 401);
    assert.equal((await call(`${url}/events/distribution`, { method: 'POST', body: envelope, headers: { authorization: 'Bearer wrong' } })).status, 401);
  });
});

test('alertSink: JSON lines, and a Slack-compatible webhook POST', async () => {
  const got: unknown[] = [];
  const hook = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      got.push(JSON.parse(b));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  try {
    const lines: string[] = [];
    const sink = alertSink((l) => lines.push(l), { webhook: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, logger: new MemoryLogger() });
    const a: Alert = { time: '2026-01-01T00:00:00Z', kind: 'tag-moved', source: 'event', message: 'tag r:t moved', generation: 1 };
    sink.send(a);
    await sink.flush();
    assert.deepEqual(lines.map((l) => JSON.parse(l)), [a]);
    assert.deepEqual(got, [{ text: 'kpromo audit: tag-moved: tag r:t moved', alert: a }]);
  } finally {
    hook.close();
  }
});

test('audit server: signed bodies read before their HMAC is checked are capped; more are answered 503 until one ends', async () => {
  const taken: number[] = [];
  await withServer({ ready: true, offer: (e) => (taken.push(e.length), true) }, async (url, metrics) => {
    const { port } = new URL(url);
    const gauge = async (): Promise<number> => Number(/kpromo_audit_unverified_bodies (\d+)/.exec(await metrics.registry.metrics())?.[1]);
    // two senders that claim an HMAC and trickle: each holds a slot while its body is read
    const held = [0, 1].map(() => {
      const sock = connect(Number(port), '127.0.0.1');
      sock.on('error', () => {});
      sock.write(`POST /events/distribution HTTP/1.1\r\nHost: audit\r\nX-Kpromo-Signature: sha256=00\r\nContent-Length: 100\r\n\r\n{"ev`);
      return sock;
    });
    for (let i = 0; i < 200 && (await gauge()) < 2; i++) await call(`${url}/healthz`);
    assert.equal(await gauge(), 2);
    const signed = { 'x-kpromo-signature': `sha256=${createHmac('sha256', 'k').update(envelope).digest('hex')}` };
    const busy = await call(`${url}/events/distribution`, { method: 'POST', body: envelope, headers: signed });
    assert.equal(busy.status, 503);
    assert.equal(busy.headers['retry-after'], String(RETRY_AFTER_SECONDS));
    // a bearer token needs no slot: it is checked before the body
    assert.equal((await call(`${url}/events/distribution`, { method: 'POST', body: envelope, headers: auth })).status, 202);
    for (const s of held) s.destroy();
    for (let i = 0; i < 200 && (await gauge()) > 0; i++) await call(`${url}/healthz`);
    assert.equal(await gauge(), 0);
    assert.equal((await call(`${url}/events/distribution`, { method: 'POST', body: envelope, headers: signed })).status, 202);
    assert.deepEqual(taken, [1, 1]);
    assert.match(await metrics.registry.metrics(), /kpromo_audit_requests_rejected_total\{reason="busy"\} 1/);
  }, { maxUnverifiedBodies: 2 });
});
