/** The deployment examples stay in step with the code: event paths, flags, and YAML that parses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { main } from '../../src/cli/main.js';
import { EVENT_PATHS } from '../../src/audit/service/server.js';

const root = new URL('../../deploy/', import.meta.url);

test('deploy/distribution-notifications.yml: points at the Distribution event path with a bearer header', async () => {
  const [doc] = parseAllDocuments(await readFile(new URL('distribution-notifications.yml', root), 'utf8'));
  const ep = (doc!.toJS() as { notifications: { endpoints: { url: string; headers: { Authorization: string[] } }[] } }).notifications.endpoints[0]!;
  assert.ok(ep.url.endsWith(EVENT_PATHS.distribution), ep.url);
  assert.match(ep.headers.Authorization[0]!, /^Bearer /);
});

test('deploy/audit-deployment.yaml: every flag the container passes exists, probes use the served paths', async () => {
  const docs = parseAllDocuments(await readFile(new URL('audit-deployment.yaml', root), 'utf8')).map((d) => d.toJS() as Record<string, any>);
  const deployment = docs.find((d) => d.kind === 'Deployment')!;
  const c = deployment.spec.template.spec.containers[0];
  assert.deepEqual(c.args.slice(0, 2), ['audit', 'serve']);
  let help = '';
  await main(['audit', '--help'], { stdout: (s) => void (help += s), stderr: () => {}, isTTY: false, env: {} });
  for (const a of c.args.slice(2) as string[]) {
    const flag = /^(--[a-z-]+)/.exec(a)![1]!;
    if (flag === '--log-format') continue; // global
    assert.ok(help.includes(`${flag} `) || help.includes(`${flag}=`) || help.includes(`${flag}\n`), `${flag} is a flag of kpromo audit`);
  }
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.ok(docs.some((d) => d.kind === 'Service'));
});
