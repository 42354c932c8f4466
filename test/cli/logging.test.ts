import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { captureIO } from '../support/cli.js';

let fixtures: string;
before(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'kpromo-logging-'));
  await mkdir(join(fixtures, 'manifests/p'), { recursive: true });
  await mkdir(join(fixtures, 'images/p'), { recursive: true });
  await writeFile(join(fixtures, 'manifests/p/promoter-manifest.yaml'), 'registries:\n- name: staging.example/s\n  src: true\n- name: prod.example/p\n');
  await writeFile(join(fixtures, 'images/p/images.yaml'), `- name: app\n  dmap:\n    "sha256:${'a'.repeat(64)}": ["v1"]\n`);
});
after(() => rm(fixtures, { recursive: true, force: true }));

test('--log-format json: every stderr line is one JSON object', async () => {
  const io = captureIO();
  const code = await main(['--log-format', 'json', 'cip', '--parse-only', '--thin-manifest-dir', fixtures, '--use-service-account'], io);
  assert.equal(code, 0, io.err);
  const lines = io.err.trimEnd().split('\n');
  assert.ok(lines.length >= 1);
  const records = lines.map((l) => JSON.parse(l) as { level: string; msg: string; time: string });
  const warn = records.find((r) => r.msg.includes('--use-service-account is ignored'));
  assert.equal(warn?.level, 'warn');
  assert.ok(records.every((r) => typeof r.time === 'string'));
  assert.match(io.out, /parsed 1 manifest/); // stdout keeps the command output
});

test('--log-format text (default) and an invalid --log-format', async () => {
  const io = captureIO();
  assert.equal(await main(['cip', '--parse-only', '--thin-manifest-dir', fixtures, '--use-service-account'], io), 0, io.err);
  assert.match(io.err, /^warn +--use-service-account is ignored/m);
  const bad = captureIO();
  assert.equal(await main(['--log-format', 'xml', 'cip', '--parse-only', '--thin-manifest-dir', fixtures], bad), 2);
  assert.match(bad.err, /invalid --log-format "xml"/);
});

test('--log-format json: the final error lines are JSON too (invalid input, flag errors, a failed run)', async () => {
  const parse = (s: string) => s.trimEnd().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; problems?: string[] });
  const bad = captureIO();
  assert.equal(await main(['cip', '--manifest', join(fixtures, 'nope.yaml'), '--log-format', 'json'], bad), 2);
  assert.deepEqual(parse(bad.err).map((r) => [r.level, r.msg, r.problems?.length]), [['error', 'invalid input', 1]]);
  assert.match(parse(bad.err)[0]!.problems![0]!, /nope\.yaml: cannot read manifest file: no such file or directory/);
  const flag = captureIO();
  assert.equal(await main(['--log-format=json', 'cip', '--frobnicate'], flag), 2);
  assert.deepEqual(parse(flag.err).map((r) => [r.level, r.msg]), [['error', "unknown option '--frobnicate'"]]);
});

test('bad input comes alone: no signing warning or phase line before it', async () => {
  const io = captureIO();
  assert.equal(await main(['cip', '--manifest', join(fixtures, 'nope.yaml')], io), 2);
  assert.equal(io.err, `error: invalid input (1 problem):\n  ${join(fixtures, 'nope.yaml')}: cannot read manifest file: no such file or directory\n`);
});

test('--log-format json: an interrupted run (SIGTERM while the plan waits on a registry) prints only JSON lines', async (t) => {
  const { startStub } = await import('../support/stub-http.js');
  // the registry answers its ping, then holds the tag list until the run is stopped
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  let listed: () => void = () => {};
  const listing = new Promise<void>((r) => (listed = r));
  const stub = await startStub(async (req) => {
    if (req.url.pathname === '/v2/') return { status: 200, body: '{}' };
    listed();
    await held;
    return { status: 503, body: '' };
  });
  t.after(() => stub.stop());
  const manifest = join(fixtures, 'interrupt.yaml');
  await writeFile(manifest, `registries:\n- name: ${stub.host}/s\n  src: true\n- name: ${stub.host}/p\nimages:\n- name: app\n  dmap:\n    "sha256:${'b'.repeat(64)}": ["v1"]\n`);
  const io = captureIO();
  const run = main(['--log-format', 'json', 'cip', '--manifest', manifest, '--confirm', '--sign=false', '--report-file', join(fixtures, 'interrupt.json')], io);
  await listing;
  process.emit('SIGTERM');
  release();
  assert.equal(await run, 143, io.err);
  const lines = io.err.trimEnd().split('\n');
  for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), `not a JSON line: ${l}`);
  const msgs = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  assert.ok(msgs.some((m) => /^SIGTERM: stopping/.test(m)), io.err);
  assert.ok(msgs.some((m) => /^interrupted by SIGTERM during plan/.test(m)), io.err);
});
