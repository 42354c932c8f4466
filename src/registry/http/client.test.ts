/** Protocol edge cases of the HTTP client against scripted stubs on 127.0.0.1:0. */
import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { after, test } from 'node:test';
import { startStub, type HttpStub, type StubReply, type StubRequest } from '../../../test/support/stub-http.js';
import { digest as asDigest, type Digest } from '../../image/ref.js';
import { MemoryLogger } from '../../log.js';
import { createHttpTransport } from '../../net/http-transport.js';
import type { Transport } from '../../net/transport.js';
import { digestOf } from '../digest.js';
import { RegistryError } from '../errors.js';
import { MAX_MANIFEST_BYTES } from '../types.js';
import { createHttpRegistryClient, type HttpRegistryClientOptions } from './client.js';
import { staticCredentials } from './credentials.js';

const stubs: HttpStub[] = [];
const clients: { close(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(stubs.map((s) => s.stop()));
});

async function stub(handler: (req: StubRequest) => StubReply): Promise<HttpStub> {
  const s = await startStub(handler);
  stubs.push(s);
  return s;
}
function client(opts: HttpRegistryClientOptions = {}) {
  const c = createHttpRegistryClient(opts);
  clients.push(c);
  return c;
}
const json = (v: unknown, headers: Record<string, string> = {}): StubReply => ({ status: 200, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(v) });
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI, config: { mediaType: 'x', digest: 'sha256:' + '0'.repeat(64), size: 1 }, layers: [] }));
const manifestDigest = digestOf(manifest);
const blob = Buffer.from('some blob bytes, long enough to chunk');
const blobDigest = digestOf(blob);

test('tag list and catalog follow Link pagination (relative and absolute)', async () => {
  const s = await stub((r): StubReply => {
    if (r.url.pathname === '/v2/') return { status: 200 };
    if (r.url.pathname === '/v2/a/b/tags/list') {
      const last = r.url.searchParams.get('last');
      if (!last) return json({ tags: ['t1', 't2'] }, { link: '</v2/a/b/tags/list?last=t2&n=2>; rel="next"' });
      if (last === 't2') return json({ tags: ['t3', 't4'] }, { link: `<http://${s.host}/v2/a/b/tags/list?last=t4&n=2>; rel="next"` });
      return json({ tags: ['t5'] });
    }
    if (r.url.pathname === '/v2/_catalog') {
      return r.url.searchParams.get('last') ? json({ repositories: ['r3'] }) : json({ repositories: ['r1', 'r2'] }, { link: '</v2/_catalog?last=r2>; rel="next"' });
    }
    if (r.url.pathname === '/v2/none/tags/list') return { status: 404, body: JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN' }] }) };
    return { status: 404 };
  });
  const c = client();
  assert.deepEqual(await c.listTags({ host: s.host, repository: 'a/b' }), ['t1', 't2', 't3', 't4', 't5']);
  assert.deepEqual(await c.catalog(s.host), ['r1', 'r2', 'r3']);
  assert.deepEqual(await c.listTags({ host: s.host, repository: 'none' }), []);
  const ua = s.requests[0]!.headers['user-agent'];
  assert.match(String(ua), /^kpromo\//);
});

test('Bearer: token fetched with Basic creds per scope, cached, refetched on expiry and on 401', async () => {
  let now = 1_000_000;
  let issued = 0;
  const valid = new Set<string>();
  const s = await stub((r): StubReply => {
    if (r.url.pathname === '/token') {
      assert.equal(r.headers.authorization, `Basic ${Buffer.from('user:s3cret-canary').toString('base64')}`);
      issued++;
      const token = `tok-canary-${issued}`;
      valid.add(token);
      // alternate the field name: both are in the token spec
      return json(issued % 2 ? { token, expires_in: 60 } : { access_token: token, expires_in: 60 });
    }
    const challenge = { 'www-authenticate': `Bearer realm="http://${s.host}/token",service="svc"` };
    const auth = String(r.headers.authorization ?? '');
    if (!valid.has(auth.replace(/^Bearer /, ''))) return { status: 401, headers: challenge, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }) };
    return json({ tags: ['v1'] });
  });
  const logger = new MemoryLogger();
  const c = client({ credentials: staticCredentials({ [s.host]: { kind: 'basic', username: 'user', password: 's3cret-canary' } }), now: () => now, logger });
  const repo = { host: s.host, repository: 'x/y' };
  assert.deepEqual(await c.listTags(repo), ['v1']);
  assert.deepEqual(await c.listTags(repo), ['v1']);
  assert.equal(issued, 1, 'token cached for the same scope');
  const tokenReq = s.requests.find((r) => r.url.pathname === '/token')!;
  assert.equal(tokenReq.url.searchParams.get('service'), 'svc');
  assert.deepEqual(tokenReq.url.searchParams.getAll('scope'), ['repository:x/y:pull']);
  await c.listTags(repo, { side: 'destination' });
  assert.equal(issued, 2, 'destination reads ask for pull,push');
  assert.deepEqual(s.requests.filter((r) => r.url.pathname === '/token')[1]!.url.searchParams.getAll('scope'), ['repository:x/y:pull,push']);
  now += 61_000;
  await c.listTags(repo);
  assert.equal(issued, 3, 'expired token refetched');
  valid.clear(); // the registry revokes every token: the next request gets a 401 and refetches once
  assert.deepEqual(await c.listTags(repo), ['v1']);
  assert.equal(issued, 4);
  for (const rec of logger.records) assert.doesNotMatch(JSON.stringify(rec), /canary/);
});

test('wrong password: RegistryError 401 without the password; nothing secret in logs', async () => {
  const s = await stub((r): StubReply => {
    const ok = r.headers.authorization === `Basic ${Buffer.from('user:right').toString('base64')}`;
    if (ok) return { status: 200 };
    return { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' }, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }) };
  });
  const logger = new MemoryLogger();
  const c = client({ credentials: staticCredentials({ [s.host]: { kind: 'basic', username: 'user', password: 'wrong-pw-canary' } }), logger });
  const err = await c.ping(s.host).then(
    () => assert.fail('ping succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RegistryError);
  assert.equal(err.status, 401);
  assert.deepEqual(err.codes, ['UNAUTHORIZED']);
  assert.equal(err.retryable, false);
  const basic = Buffer.from('user:wrong-pw-canary').toString('base64');
  for (const text of [err.message, String(err.stack), ...logger.records.map((r) => JSON.stringify(r))]) {
    assert.doesNotMatch(text, /wrong-pw-canary/);
    assert.ok(!text.includes(basic));
  }
  const err2 = await c.listTags({ host: s.host, repository: 'r' }, { side: 'source' }).catch((e: unknown) => e);
  assert.ok(err2 instanceof RegistryError && err2.side === 'source' && err2.status === 401);
});

test('blob GET follows a redirect to another host without Authorization', async () => {
  const storage = await stub((): StubReply => ({ status: 200, body: blob }));
  const s = await stub((r): StubReply => {
    if (!r.headers.authorization) return { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } };
    return { status: 307, headers: { location: `http://${storage.host}/data/blob?sig=presigned-canary` } };
  });
  const c = client({ credentials: staticCredentials({ [s.host]: { kind: 'basic', username: 'u', password: 'p' } }) });
  const body = await c.getBlob({ host: s.host, repository: 'r' }, blobDigest, { size: blob.length });
  assert.equal(await text(body), blob.toString());
  assert.equal(storage.requests.length, 1);
  assert.equal(storage.requests[0]!.headers.authorization, undefined);
  assert.ok(s.requests.some((r) => r.url.pathname.endsWith(`/blobs/${blobDigest}`) && r.headers.authorization));
});

test('redirect loops stop after 5 hops', async () => {
  const s = await stub((r): StubReply => (r.url.pathname === '/v2/' ? { status: 200 } : { status: 302, headers: { location: r.url.pathname } }));
  await assert.rejects(client().getBlob({ host: s.host, repository: 'r' }, blobDigest), /more than 5 redirects/);
});

test('a corrupted blob or manifest is detected; truncation and mismatch are retryable', async () => {
  const badBlob = Buffer.from(blob);
  badBlob[3] = badBlob[3]! ^ 0xff;
  const badManifest = Buffer.from(manifest);
  badManifest[10] = badManifest[10]! ^ 1;
  const s = await stub((r): StubReply => {
    if (r.url.pathname === '/v2/') return { status: 200 };
    if (r.url.pathname.includes('/blobs/')) return { status: 200, body: badBlob };
    if (r.url.pathname.endsWith('/manifests/bytag')) return { status: 200, headers: { 'content-type': OCI, 'docker-content-digest': manifestDigest }, body: badManifest };
    if (r.url.pathname.endsWith('/manifests/typed')) return { status: 200, headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' }, body: manifest };
    if (r.url.pathname.endsWith('/manifests/huge')) return { status: 200, headers: { 'content-type': OCI }, body: Buffer.alloc(MAX_MANIFEST_BYTES + 10, 32) };
    return { status: 200, headers: { 'content-type': OCI }, body: badManifest };
  });
  const c = client();
  const repo = { host: s.host, repository: 'r' };
  const stream = await c.getBlob(repo, blobDigest, { size: blob.length });
  const e1 = await text(stream).catch((e: unknown) => e);
  assert.ok(e1 instanceof RegistryError && e1.retryable, String(e1));
  assert.match(e1.message, /does not match digest/);
  const e2 = await c.getManifest(repo, manifestDigest).catch((e: unknown) => e);
  assert.ok(e2 instanceof RegistryError && e2.retryable && /hash to/.test(e2.message), String(e2));
  const e3 = await c.getManifest(repo, 'bytag').catch((e: unknown) => e);
  assert.ok(e3 instanceof RegistryError && /registry says/.test(e3.message), String(e3));
  await assert.rejects(c.getManifest(repo, 'typed'), /Content-Type .* differs/);
  const e4 = await c.getManifest(repo, 'huge').catch((e: unknown) => e);
  assert.ok(e4 instanceof RegistryError && !e4.retryable && /larger than/.test(e4.message), String(e4));
});

test('mount: 201 is mounted, 202 returns the session the upload then uses', async () => {
  const s = await stub((r): StubReply => {
    if (r.url.pathname === '/v2/') return { status: 200 };
    if (r.method === 'POST' && r.url.searchParams.get('from') === 'has/it') return { status: 201, headers: { 'docker-content-digest': blobDigest } };
    if (r.method === 'POST') return { status: 202, headers: { location: '/v2/dst/blobs/uploads/sess-1?_state=abc' } };
    if (r.method === 'PUT' && r.url.pathname === '/v2/dst/blobs/uploads/sess-1') {
      assert.equal(r.url.searchParams.get('_state'), 'abc');
      assert.equal(r.url.searchParams.get('digest'), blobDigest);
      assert.equal(r.headers['content-type'], 'application/octet-stream');
      assert.deepEqual(r.body, blob);
      return { status: 201, headers: { 'docker-content-digest': blobDigest } };
    }
    return { status: 400 };
  });
  const c = client();
  const repo = { host: s.host, repository: 'dst' };
  assert.deepEqual(await c.mountBlob(repo, blobDigest, 'has/it'), { mounted: true });
  const r = await c.mountBlob(repo, blobDigest, 'lacks/it');
  assert.equal(r.mounted, false);
  if (r.mounted) return;
  assert.equal(r.session.location, `http://${s.host}/v2/dst/blobs/uploads/sess-1?_state=abc`);
  await c.uploadBlob(repo, { digest: blobDigest, size: blob.length }, blob, { session: r.session });
  const posts = s.requests.filter((q) => q.method === 'POST');
  assert.deepEqual(posts.map((p) => p.url.searchParams.get('mount')), [blobDigest, blobDigest]);
  assert.equal(s.requests.filter((q) => q.method === 'PUT').length, 1);
});

test('chunked upload sends Content-Range pieces, follows each Location, then PUTs ?digest=', async () => {
  let n = 0;
  const received: Buffer[] = [];
  const s = await stub((r): StubReply => {
    if (r.url.pathname === '/v2/') return { status: 200 };
    if (r.method === 'POST') return { status: 202, headers: { location: `http://${s.host}/v2/c/blobs/uploads/u?n=0` } };
    if (r.method === 'PATCH') {
      assert.equal(r.url.searchParams.get('n'), String(n));
      const start = received.reduce((a, b) => a + b.length, 0);
      assert.equal(r.headers['content-range'], `${start}-${start + r.body.length - 1}`);
      received.push(r.body);
      n++;
      return { status: 202, headers: { location: `u?n=${n}`, range: `0-${start + r.body.length - 1}` } };
    }
    if (r.method === 'PUT') {
      assert.equal(r.url.searchParams.get('n'), String(n));
      assert.equal(r.url.searchParams.get('digest'), blobDigest);
      return { status: 201 };
    }
    return { status: 400 };
  });
  const { Readable } = await import('node:stream');
  await client().uploadBlob({ host: s.host, repository: 'c' }, { digest: blobDigest, size: blob.length }, Readable.from([blob.subarray(0, 7), blob.subarray(7)]), { chunkSize: 10 });
  assert.deepEqual(Buffer.concat(received), blob);
  assert.deepEqual(received.map((b) => b.length), [10, 10, 10, blob.length - 30]);
});

test('HEAD by tag without Docker-Content-Digest falls back to GET and hashes the bytes', async () => {
  const s = await stub((r): StubReply => {
    if (r.url.pathname === '/v2/') return { status: 200 };
    if (r.url.pathname.endsWith('/missing')) return { status: 404 };
    return { status: 200, headers: { 'content-type': OCI }, body: manifest };
  });
  const c = client();
  const repo = { host: s.host, repository: 'r' };
  assert.deepEqual(await c.headManifest(repo, 'v1'), { digest: manifestDigest, mediaType: OCI, size: manifest.length });
  assert.equal(await c.headManifest(repo, 'missing'), undefined);
  const heads = s.requests.filter((r) => r.method === 'HEAD');
  assert.match(String(heads[0]!.headers.accept), /application\/vnd\.oci\.image\.index\.v1\+json.*manifest\.list\.v2/);
});

test('server errors carry spec codes and are retryable; the error body is capped', async () => {
  const s = await stub((r): StubReply =>
    r.url.pathname === '/v2/' ? { status: 200 } : { status: 503, body: JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'try later' }] }) + ' '.repeat(200_000) },
  );
  const err = await client().headBlob({ host: s.host, repository: 'r' }, asDigest(blobDigest) as Digest, { side: 'destination' }).catch((e: unknown) => e);
  assert.ok(err instanceof RegistryError);
  assert.equal(err.status, 503);
  assert.equal(err.side, 'destination');
  assert.equal(err.retryable, true);
  // the body was cut at 64 KiB, so it is not valid JSON and yields no codes: that is the cap working
  assert.deepEqual(err.codes, []);
});

test('identity tokens are exchanged at the realm with an OAuth2 refresh_token POST', async () => {
  const s = await stub((r): StubReply => {
    if (r.url.pathname === '/token') {
      const form = new URLSearchParams(r.body.toString());
      assert.equal(r.method, 'POST');
      assert.equal(form.get('grant_type'), 'refresh_token');
      assert.equal(form.get('refresh_token'), 'refresh-canary');
      assert.equal(form.get('scope'), 'repository:r:pull');
      return json({ access_token: 'at-1', expires_in: 300 });
    }
    if (r.headers.authorization !== 'Bearer at-1') return { status: 401, headers: { 'www-authenticate': `Bearer realm="http://${s.host}/token",service="svc"` } };
    return json({ tags: ['a'] });
  });
  const c = client({ credentials: staticCredentials({ [s.host]: { kind: 'identity', username: '<token>', identityToken: 'refresh-canary' } }) });
  assert.deepEqual(await c.listTags({ host: s.host, repository: 'r' }), ['a']);
});

test('a registry without the referrers API is asked once, then the fallback tag is read directly', async () => {
  const subject = asDigest(manifestDigest);
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: OCI, digest: blobDigest, size: 1, artifactType: 'a/b' }] }));
  const s = await stub((r): StubReply => {
    if (r.url.pathname === '/v2/') return { status: 200 };
    if (r.url.pathname.includes('/referrers/')) return { status: 404, headers: { 'content-type': 'text/plain' }, body: '404 page not found' };
    if (r.url.pathname.endsWith(`/manifests/sha256-${subject.slice(7)}`)) return { status: 200, headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' }, body: index };
    return { status: 404, body: JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN' }] }) };
  });
  const c = client();
  const repo = { host: s.host, repository: 'r' };
  assert.deepEqual((await c.listReferrers(repo, subject)).map((d) => d.digest), [blobDigest]);
  assert.deepEqual(await c.listReferrers(repo, subject, { artifactType: 'x/y' }), []);
  assert.equal(s.requests.filter((r) => r.url.pathname.includes('/referrers/')).length, 1);
});

test('a plain-http token realm of a non-loopback registry is refused before any credential leaves', async () => {
  const s = await stub((r): StubReply => {
    if (r.url.pathname === '/token') return json({ token: 'tok-1', expires_in: 300 });
    if (r.headers.authorization !== 'Bearer tok-1') return { status: 401, headers: { 'www-authenticate': 'Bearer realm="http://auth.example/token",service="svc"' } };
    return json({ tags: ['a'] });
  });
  // Names that are not loopback, routed to the stub: the client decides on the names it sees.
  const seen: URL[] = [];
  const base = createHttpTransport();
  const transport: Transport = {
    close: () => base.close(),
    request(req) {
      seen.push(req.url);
      const url = new URL(req.url);
      url.protocol = 'http:';
      url.host = s.host;
      return base.request({ ...req, url });
    },
  };
  const creds = staticCredentials({ 'registry.example': { kind: 'basic', username: 'u', password: 'pw-canary' } });
  const repo = { host: 'registry.example', repository: 'r' };
  const err = await client({ transport, credentials: creds }).listTags(repo).catch((e: unknown) => e);
  assert.ok(err instanceof RegistryError && !err.retryable, String(err));
  assert.match(err.message, /refusing token realm http:\/\/auth\.example\/token of registry registry\.example/);
  assert.deepEqual(seen.map((u) => u.host), ['registry.example'], 'only the ping went out; nothing to the realm');
  assert.ok(!s.requests.some((r) => r.url.pathname === '/token'));
  // the same realm is used when the user chose plain HTTP for the registry
  seen.length = 0;
  assert.deepEqual(await client({ transport, credentials: creds, insecureRegistries: ['registry.example'] }).listTags(repo), ['a']);
  assert.ok(seen.some((u) => u.host === 'auth.example'));
  await base.close();
});

test('a manifest PUT that the registry stores under another digest is an error', async () => {
  const other = `sha256:${'a'.repeat(64)}`;
  const s = await stub((r): StubReply => {
    if (r.url.pathname === '/v2/') return { status: 200 };
    return { status: 201, headers: { 'docker-content-digest': other, location: `/v2/a/manifests/${other}` } };
  });
  const err = await client()
    .putManifest({ host: s.host, repository: 'a' }, 'v1', { bytes: manifest, mediaType: OCI })
    .catch((e: unknown) => e);
  assert.ok(err instanceof RegistryError, String(err));
  assert.match(err.message, new RegExp(`registry stored digest ${other}, expected ${manifestDigest}`));
});

test('a transport error that echoes a URL reaches the caller and the log with the URL redacted', async () => {
  const logger = new MemoryLogger();
  const secretUrl = 'http://user:hunter2@127.0.0.1:9/v2/a/blobs/uploads/1?_state=SECRET-STATE';
  const failing = {
    async close() {},
    async request(): Promise<never> {
      throw Object.assign(new Error(`socket hang up while talking to ${secretUrl}`), { code: 'UND_ERR_SOCKET' });
    },
  };
  const c = client({ transport: failing, logger });
  const err = await c.ping('127.0.0.1:9').catch((e: unknown) => e);
  assert.ok(err instanceof RegistryError, String(err));
  for (const t of [err.message, ...logger.records.map((r) => JSON.stringify(r))]) {
    assert.ok(!t.includes('SECRET-STATE') && !t.includes('hunter2'), t);
  }
  assert.match(err.message, /socket hang up while talking to http:\/\/127\.0\.0\.1:9\/v2\/a\/blobs\/uploads\/1\?<redacted>/);
});
