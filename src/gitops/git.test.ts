import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliGit, GitCommandError, sendsToken } from './git.js';

const TOKEN = 'ghp_SecretTokenForGitTest0123456789abcdEF';
let dir: string;
const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' });

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kpromo-git-'));
  execFileSync('git', ['init', '-q', '-b', 'main', join(dir, 'w')], { env: env() });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('CliGit', () => {
  it('sends the token to an HTTP(S) remote as a header through the environment, never into the config, and keeps it out of errors', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`denied for ${req.headers.authorization}\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/me/k8s.io.git`;
    const git = new CliGit({ token: TOKEN, env: env() });
    const w = join(dir, 'w');
    writeFileSync(join(w, 'f'), 'x');
    await git.commitAll(w, 'first', { name: 't', email: 't@example.com' });
    const err = await git.push(w, url, 'b').then(() => undefined, (e: unknown) => e);
    await new Promise<void>((r) => server.close(() => r()));
    assert.ok(err instanceof GitCommandError);
    assert.ok(seen.includes(`Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`), String(seen));
    assert.ok(!err.message.includes(TOKEN));
    assert.ok(!readFileSync(join(w, '.git/config'), 'utf8').includes('extraHeader'));
  });

  it('keeps the token out of errors when the environment asks git to trace HTTP unredacted', async () => {
    const server = createServer((_req, res) => void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/me/k8s.io.git`;
    const git = new CliGit({ token: TOKEN, env: { ...env(), GIT_TRACE_REDACT: '0', GIT_CURL_VERBOSE: '1', GIT_TRACE_CURL: '1' } });
    const err = await git.clone(url, join(dir, 'traced'), 'main').then(() => undefined, (e: unknown) => e);
    await new Promise<void>((r) => server.close(() => r()));
    assert.ok(err instanceof GitCommandError);
    assert.match(err.message, /Authorization: Basic/, 'the trace is in the error');
    assert.ok(!err.message.includes(TOKEN));
    assert.ok(!err.message.includes(Buffer.from(`x-access-token:${TOKEN}`).toString('base64')), err.message);
  });

  it('sends no token to SSH, file or remote plain-HTTP URLs', () => {
    assert.equal(sendsToken('https://github.com/me/k8s.io.git'), true);
    assert.equal(sendsToken('http://localhost:8080/x.git'), true);
    assert.equal(sendsToken('git@github.com:me/k8s.io.git'), false);
    assert.equal(sendsToken('file:///tmp/fork.git'), false);
    assert.equal(sendsToken('http://github.example/me/x.git'), false);
    assert.equal(sendsToken('https://github.com/me/k8s.io.git', 'github.com'), true);
    assert.equal(sendsToken('https://GitHub.com/me/k8s.io.git', 'github.com'), true);
    assert.equal(sendsToken('https://mirror.example/me/k8s.io.git', 'github.com'), false, 'a --clone-url elsewhere gets no GitHub token');
    assert.equal(sendsToken('https://github.com.evil.example/x.git', 'github.com'), false);
    assert.equal(sendsToken('http://127.0.0.1:8080/x.git', 'github.com'), true, 'loopback (tests) still does');
  });
});
