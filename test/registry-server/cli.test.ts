/**
 * `kpromo registry serve`: in-process (the typed command function and main()) and as a real
 * child process that serves until SIGTERM and exits 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { main, type CliIO } from '../../src/cli/main.js';
import { exposureWarning, parseBytes, registryServe } from '../../src/cli/commands/registry.js';
import { fetchManifest, seedImage } from '../support/seed.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A CliIO that records output. */
function memoryIO(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), isTTY: false, env: {} };
}

describe('kpromo registry serve', () => {
  it('serves in memory until told to stop, printing its address', async () => {
    const io = memoryIO();
    // Resolves on the first line printed (the address), instead of polling the output.
    const printed = new Promise<void>((resolve) => {
      const write = io.stdout;
      io.stdout = (text) => {
        write(text);
        resolve();
      };
    });
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    const running = registryServe({ addr: '127.0.0.1:0', referrers: true }, io, until);
    try {
      await printed;
      const host = /listening on (127\.0\.0\.1:\d+) \(memory\)/.exec(io.out.join(''))?.[1];
      assert.ok(host, io.out.join(''));
      const img = await seedImage({ url: `http://${host}` }, 'cli/app', 'v1', { seed: 'cli' });
      assert.equal((await fetchManifest({ url: `http://${host}` }, 'cli/app', 'v1')).headers['docker-content-digest'], img.digest);
    } finally {
      release();
      await running;
    }
  });

  it('refuses a malformed --addr with exit code 2', async () => {
    const io = memoryIO();
    assert.equal(await main(['registry', 'serve', '--addr', 'nonsense'], io), 2);
    assert.match(io.err.join(''), /--addr must be host:port/);
  });

  it('runs as a process, serves, and exits 0 on SIGTERM', async (t) => {
    const script = "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv.slice(1));";
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'registry', 'serve', '--addr', '127.0.0.1:0', '--no-referrers'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const host = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no address printed: ${out}`)), 30000);
      child.stdout.on('data', () => {
        const m = /listening on (127\.0\.0\.1:\d+) \(memory, no referrers API\)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const ping = await fetch(`http://${host}/v2/`);
    assert.equal(ping.status, 200);
    const refs = await fetch(`http://${host}/v2/x/referrers/sha256:${'0'.repeat(64)}`);
    assert.equal(refs.status, 404);
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, out);
  });
});

describe('kpromo registry serve: flags', () => {
  it('warns when listening beyond loopback without auth, or with auth but without TLS', () => {
    const cases: [string, boolean, boolean, RegExp | undefined][] = [
      ['127.0.0.1', false, false, undefined],
      ['127.8.9.1', false, false, undefined],
      ['::1', false, false, undefined],
      ['localhost', false, false, undefined],
      ['0.0.0.0', false, false, /^listening on 0\.0\.0\.0:5000 without authentication: anyone who can reach this address can read, push and delete/],
      ['::', false, true, /without authentication/],
      ['192.168.1.5', true, false, /without TLS: passwords cross the network in clear text/],
      ['0.0.0.0', true, true, undefined],
    ];
    for (const [host, auth, tls, want] of cases) {
      const got = exposureWarning(host, `${host}:5000`, { auth, tls });
      if (want) assert.match(got ?? '', want, host);
      else assert.equal(got, undefined, host);
    }
  });

  it('reads --max-bytes with binary suffixes and refuses nonsense', () => {
    assert.equal(parseBytes('--max-bytes', '1048576'), 1048576);
    assert.equal(parseBytes('--max-bytes', '512M'), 512 * 1024 ** 2);
    assert.equal(parseBytes('--max-bytes', '2GiB'), 2 * 1024 ** 3);
    for (const bad of ['0', '-1', '1.5G', '12X', '']) assert.throws(() => parseBytes('--max-bytes', bad), /--max-bytes must be a positive byte count/);
  });

  it('refuses --max-bytes with --dir, and a lone --tls-cert, as invalid input', async () => {
    const io = memoryIO();
    assert.equal(await main(['registry', 'serve', '--addr', '127.0.0.1:0', '--dir', '/nonexistent', '--max-bytes', '1G'], io), 2);
    assert.equal(await main(['registry', 'serve', '--addr', '127.0.0.1:0', '--tls-cert', 'c.pem'], io), 2);
    assert.match(io.err.join(''), /--max-bytes caps the memory store[^]*--tls-cert and --tls-key go together/);
  });

  it('an htpasswd file that is missing or not bcrypt: one line, exit 2', async () => {
    const io = memoryIO();
    assert.equal(await main(['registry', 'serve', '--addr', '127.0.0.1:0', '--htpasswd', '/nonexistent/htpasswd'], io), 2);
    assert.equal(io.err.join(''), 'error: invalid input: --htpasswd /nonexistent/htpasswd: no such file\n');
  });
});
