/**
 * Limits and protections of the in-process registry: the memory store's byte cap, idle upload
 * sessions expiring (fake clock), htpasswd Basic auth, HTTPS, and malformed percent-encoding.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import { buildImage, pushTo } from '../../src/registry/memory/fixtures.js';
import { htpasswdAuthenticator, parseHtpasswd } from '../../src/registry/server/auth.js';
import { startRegistryServer } from '../../src/registry/server/server.js';
import { MemoryStore } from '../../src/registry/store/memory.js';
import { tempTrees } from '../support/tree.js';

const tree = tempTrees();
const sha256 = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const errBody = async (r: Response): Promise<{ code: string; message: string }> => ((await r.json()) as { errors: { code: string; message: string }[] }).errors[0]!;

describe('in-process registry: memory byte cap', () => {
  it('refuses a chunk past --max-bytes with 413 and an OCI error body; nothing is stored', async (t) => {
    const store = new MemoryStore({ maxBytes: 1024 * 1024 });
    const reg = await startRegistryServer({ store });
    t.after(() => reg.stop());
    const small = new Uint8Array(1000).fill(7);
    const ok = await fetch(`${reg.url}/v2/a/blobs/uploads/?digest=${sha256(small)}`, { method: 'POST', body: small });
    assert.equal(ok.status, 201);
    const used = store.bytesUsed;
    assert.equal(used, 1000);

    const start = await fetch(`${reg.url}/v2/b/blobs/uploads/`, { method: 'POST' });
    const loc = start.headers.get('location')!;
    const big = new Uint8Array(2 * 1024 * 1024).fill(1);
    const res = await fetch(`${reg.url}${loc}`, { method: 'PATCH', body: big, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const e = await errBody(res);
    assert.equal(e.code, 'SIZE_INVALID');
    assert.match(e.message, /^registry storage full: the memory store holds at most 1048576 bytes \(--max-bytes\)/);
    assert.equal(store.bytesUsed, used, 'the refused upload holds no bytes');
    assert.equal(reg.openUploads, 0, 'the session is dropped');
    assert.equal((await fetch(`${reg.url}${loc}`)).status, 404);
    const mono = await fetch(`${reg.url}/v2/c/blobs/uploads/?digest=${sha256(big)}`, { method: 'POST', body: big });
    assert.equal(mono.status, 413);
    assert.equal(store.bytesUsed, used);
    assert.deepEqual(((await (await fetch(`${reg.url}/v2/_catalog`)).json()) as { repositories: string[] }).repositories, ['a']);
  });
});

describe('in-process registry: upload sessions expire when idle', () => {
  for (const kind of ['memory', 'dir'] as const) {
    it(`${kind}: a session idle past the timeout answers 404 BLOB_UPLOAD_UNKNOWN and its bytes are dropped`, async (t) => {
      let now = 1_000_000;
      const dir = kind === 'dir' ? await tree({}) : undefined;
      const reg = await startRegistryServer({ dir, uploadIdleMs: 60_000, now: () => now });
      t.after(() => reg.stop());
      const open = async (): Promise<string> => (await fetch(`${reg.url}/v2/x/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
      const loc = await open();
      assert.equal((await fetch(`${reg.url}${loc}`, { method: 'PATCH', body: 'abc' })).status, 202);
      now += 60_000; // exactly the timeout: still alive
      assert.equal((await fetch(`${reg.url}${loc}`, { method: 'PATCH', body: 'def' })).status, 202);
      const idle = await open();
      if (dir) assert.equal((await readdir(join(dir, 'uploads'))).length, 2);
      now += 60_001;
      const late = await fetch(`${reg.url}${loc}`, { method: 'PUT', body: 'g' });
      assert.equal(late.status, 404);
      assert.equal((await errBody(late)).code, 'BLOB_UPLOAD_UNKNOWN');
      await reg.sweepUploads();
      assert.equal(reg.openUploads, 0);
      assert.equal((await fetch(`${reg.url}${idle}`)).status, 404);
      if (dir) assert.deepEqual(await readdir(join(dir, 'uploads')), [], 'the temp files are removed');
    });
  }
});

describe('in-process registry: htpasswd', () => {
  it('answers 401 with a Basic challenge without or with wrong credentials, 200 with right ones', async (t) => {
    const dir = await tree({});
    const file = join(dir, 'htpasswd');
    await writeFile(file, execFileSync('htpasswd', ['-Bbn', 'alice', 's3cret'], { encoding: 'utf8' }) + execFileSync('htpasswd', ['-Bbn', 'bob', 'other'], { encoding: 'utf8' }));
    const { readFile } = await import('node:fs/promises');
    const reg = await startRegistryServer({ authenticate: htpasswdAuthenticator(parseHtpasswd(await readFile(file, 'utf8'), file)) });
    t.after(() => reg.stop());
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    const none = await fetch(`${reg.url}/v2/`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic realm="kpromo"');
    assert.equal((await errBody(none)).code, 'UNAUTHORIZED');
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: basic('alice', 'wrong') })).status, 401);
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: basic('nobody', 's3cret') })).status, 401);
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: basic('bob', 's3cret') })).status, 401, "another user's password");
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: basic('alice', 's3cret') })).status, 200);
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: basic('alice', 's3cret') })).status, 200, 'again (remembered)');
    assert.equal((await fetch(`${reg.url}/v2/_catalog`, { headers: basic('bob', 'other') })).status, 200);
  });

  it('refuses a non-bcrypt htpasswd line, naming file:line', () => {
    assert.throws(() => parseHtpasswd('# users\nalice:{SHA}abc\n', 'h'), { code: 'HTPASSWD_INVALID', message: /^h:2: not a "user:bcrypt-hash" line/ });
    assert.throws(() => parseHtpasswd('\n', 'h'), { code: 'HTPASSWD_INVALID', message: /^h: no users/ });
  });
});

describe('in-process registry: HTTPS', () => {
  it("kpromo's HTTP client pushes and reads an image over TLS with a test CA", async (t) => {
    const dir = await tree({});
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const { readFile } = await import('node:fs/promises');
    const reg = await startRegistryServer({ tls: { cert: await readFile(cert), key: await readFile(key) } });
    t.after(() => reg.stop());
    assert.match(reg.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = createHttpRegistryClient({ secureRegistries: [reg.host], caFile: cert });
    t.after(() => client.close());
    const repo = { host: reg.host, repository: 'tls/app' };
    const img = buildImage({ seed: 'tls', layers: 2, layerSize: 5000 });
    assert.equal(await pushTo(client, repo, img, 'v1'), img.digest);
    assert.deepEqual(new Uint8Array((await client.getManifest(repo, 'v1')).bytes), img.bytes);
    assert.equal(await reg.store.statBlob('tls/app', img.layers[0]!.digest), 5000);
    await assert.rejects(fetch(`${reg.url}/v2/`), 'an untrusted client is refused by TLS');
  });
});

describe('in-process registry: request paths', () => {
  it('answers 400 NAME_INVALID to malformed percent-encoding', async (t) => {
    const reg = await startRegistryServer();
    t.after(() => reg.stop());
    for (const p of ['/v2/a%zz/tags/list', '/v2/a/manifests/%E0%A4%A', '/v2/%/blobs/uploads/']) {
      const res = await fetch(`${reg.url}${p}`, { method: p.endsWith('uploads/') ? 'POST' : 'GET' });
      assert.equal(res.status, 400, p);
      assert.equal((await errBody(res)).code, 'NAME_INVALID', p);
    }
  });

  for (const kind of ['memory', 'dir'] as const) {
    it(`${kind} store: a malformed manifest reference or blob digest is a 400 with its spec code, never a 500`, async (t) => {
      const reg = await startRegistryServer(kind === 'dir' ? { dir: await tree({}) } : {});
      t.after(() => reg.stop());
      const cases: [method: string, ref: string, code: string][] = [
        ['GET', 'sha256:abc', 'DIGEST_INVALID'],
        ['HEAD', 'md5:0123', 'DIGEST_INVALID'],
        ['DELETE', 'sha256:zz', 'DIGEST_INVALID'],
        ['PUT', 'sha256:abc', 'DIGEST_INVALID'],
        ['GET', '-dash', 'TAG_INVALID'],
        ['DELETE', `${'t'.repeat(129)}`, 'TAG_INVALID'],
        ['PUT', '.dot', 'TAG_INVALID'],
      ];
      for (const [method, ref, code] of cases) {
        const res = await fetch(`${reg.url}/v2/a/manifests/${encodeURIComponent(ref)}`, {
          method,
          ...(method === 'PUT' ? { body: '{}', headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } } : {}),
        });
        assert.equal(res.status, 400, `${method} ${ref}`);
        if (method !== 'HEAD') assert.equal((await errBody(res)).code, code, `${method} ${ref}`);
      }
      const blob = await fetch(`${reg.url}/v2/a/blobs/sha256:zz`, { method: 'DELETE' });
      assert.equal(blob.status, 400, 'DELETE of a malformed blob digest');
      assert.equal((await errBody(blob)).code, 'DIGEST_INVALID');
    });
  }
});
