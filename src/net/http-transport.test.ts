import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { after, test } from 'node:test';
import { isTransient } from '../registry/errors.js';
import { createHttpTransport } from './http-transport.js';

const servers: Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r))))));

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const s = createServer(handler);
  s.on('connection', () => connections++);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, connections: () => connections };
}

test('requests reuse one keep-alive connection and carry the kpromo User-Agent', async () => {
  const srv = await serve((req, res) => res.end(String(req.headers['user-agent'])));
  const t = createHttpTransport({ connections: 1 });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await t.request({ method: 'GET', url: new URL('/v2/', srv.url), kind: 'ping' });
      assert.equal(res.status, 200);
      assert.match(await text(res.body), /^kpromo\/\d/);
    }
    assert.equal(srv.connections(), 1);
  } finally {
    await t.close();
  }
});

test('a body that stalls longer than the idle timeout fails with a transient error', async () => {
  const srv = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': '10' });
    res.write('12345'); // and never the rest
  });
  const t = createHttpTransport({ bodyIdleTimeoutMs: 100 });
  try {
    const res = await t.request({ method: 'GET', url: new URL('/v2/x/blobs/y', srv.url), kind: 'blob-get' });
    const err = await text(res.body).catch((e: unknown) => e);
    assert.equal((err as { code?: string }).code, 'UND_ERR_BODY_TIMEOUT');
    assert.equal(isTransient(err), true);
  } finally {
    await t.close();
  }
});

test('an aborted signal cancels the request', async () => {
  const srv = await serve(() => {}); // never answers
  const t = createHttpTransport();
  try {
    const ac = new AbortController();
    const p = t.request({ method: 'GET', url: new URL('/v2/', srv.url), kind: 'ping', signal: ac.signal });
    ac.abort();
    await assert.rejects(p, (e: Error) => e.name === 'AbortError' || /abort/i.test(e.message));
  } finally {
    await t.close();
  }
});
