/**
 * `kpromo registry serve` as a real child process: a 400 MB upload into --dir keeps its memory
 * flat (the child's peak RSS from /proc, a memory bound, not a timing), and a busy port or an
 * unusable --dir end it at once with one line on stderr, no stack, and a non-zero exit code.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { tempTrees } from '../support/tree.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tree = tempTrees();
const SCRIPT = "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv.slice(1));";

/** Starts `kpromo registry serve ARGS` as a child; killed after the test if still running. */
function serve(t: TestContext, args: string[]): { child: ChildProcess; output: () => string; exited: Promise<[number | null, string | null]> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, 'registry', 'serve', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out, exited };
}

/** Resolves with the address the child prints, or rejects when it exits first. */
function address(c: ReturnType<typeof serve>): Promise<string> {
  return new Promise((resolve, reject) => {
    const look = (): void => {
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(c.output());
      if (m) resolve(m[1]!);
    };
    c.child.stdout!.on('data', look);
    c.child.once('exit', () => reject(new Error(`exited early: ${c.output()}`)));
  });
}

/** Peak resident memory of a process, in bytes (VmHWM). */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return Number(kb) * 1024;
}

/** Sends one request whose body is `chunks` streamed; resolves with the status and headers. */
function send(url: string, method: string, chunks: Iterable<Uint8Array>): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    const it = chunks[Symbol.iterator]();
    const pump = (): void => {
      for (let r = it.next(); !r.done; r = it.next()) if (!req.write(r.value)) return void req.once('drain', pump);
      req.end();
    };
    pump();
  });
}

describe('kpromo registry serve (child process)', () => {
  it('streams a 400 MB upload into --dir with flat memory (peak RSS grows by less than 100 MB)', { timeout: 600_000 }, async (t) => {
    const dir = await tree({});
    const c = serve(t, ['--addr', '127.0.0.1:0', '--dir', join(dir, 'store')]);
    const host = await address(c);
    const before = peakRss(c.child.pid!);
    const chunk = Buffer.alloc(1024 * 1024, 0x5a);
    const N = 400;
    const hash = createHash('sha256');
    for (let i = 0; i < N; i++) hash.update(chunk);
    const digest = `sha256:${hash.digest('hex')}`;
    const start = await send(`http://${host}/v2/big/blobs/uploads/`, 'POST', []);
    assert.equal(start.status, 202);
    const loc = String(start.headers.location);
    const patch = await send(`http://${host}${loc}`, 'PATCH', (function* () {
      for (let i = 0; i < N; i++) yield chunk;
    })());
    assert.equal(patch.status, 202);
    assert.equal(patch.headers.range, `0-${N * chunk.length - 1}`);
    const put = await send(`http://${host}${loc}?digest=${digest}`, 'PUT', []);
    assert.equal(put.status, 201);
    const head = await fetch(`http://${host}/v2/big/blobs/${digest}`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), String(N * chunk.length));
    const growth = peakRss(c.child.pid!) - before;
    t.diagnostic(`peak RSS grew by ${(growth / 1024 / 1024).toFixed(1)} MB for a ${N} MB upload`);
    assert.ok(growth < 100 * 1024 * 1024, `peak RSS grew by ${(growth / 1024 / 1024).toFixed(0)} MB`);
    c.child.kill('SIGTERM');
    assert.equal((await c.exited)[0], 0, c.output());
  });

  it('a busy port: one line on stderr, no stack, exit 1', async (t) => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    t.after(() => busy.close());
    const port = (busy.address() as AddressInfo).port;
    const c = serve(t, ['--addr', `127.0.0.1:${port}`]);
    const [code] = await c.exited;
    assert.equal(code, 1);
    assert.equal(c.output(), `error: cannot listen on 127.0.0.1:${port}: address already in use (another process listens there; pick another port, or port 0 for a free one)\n`);
  });

  for (const [what, make] of [
    ['a regular file', async (d: string) => { await writeFile(join(d, 'f'), 'x'); return join(d, 'f'); }],
    ['a path under a regular file', async (d: string) => { await writeFile(join(d, 'f'), 'x'); return join(d, 'f', 'store'); }],
    ['a directory that cannot be created', async () => '/proc/kpromo-store'],
  ] as const) {
    it(`an unusable --dir (${what}): one line on stderr, no stack, exit 2, before listening`, { timeout: 120_000 }, async (t) => {
      const bad = await make(await tree({}));
      const c = serve(t, ['--addr', '127.0.0.1:0', '--dir', bad]);
      const [code] = await c.exited;
      assert.equal(code, 2, c.output());
      assert.match(c.output(), new RegExp(`^error: invalid input: --dir: cannot keep registry content in ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [^\n]+\n$`));
    });
  }
});
