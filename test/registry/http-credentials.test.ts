/**
 * Credentials from docker's config through a credential helper, used against a registry that
 * requires Basic auth (the in-process registry): the helper is a tiny `docker-credential-test`
 * script in a temp dir put on PATH.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startRegistryServer, type RegistryServer } from '../../src/registry/server/server.js';
import { createHttpRegistryClient } from '../../src/registry/http/client.js';
import { dockerCredentials } from '../../src/registry/http/credentials.js';
import { RegistryError } from '../../src/registry/errors.js';

let reg: RegistryServer | undefined;
let dir: string | undefined;
after(async () => {
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a credHelpers entry runs docker-credential-test and its secret opens the registry', async () => {
  reg = await startRegistryServer({ basicAuth: { username: 'helper-user', password: 'helper-canary-pw' } });
  dir = await mkdtemp(join(tmpdir(), 'kpromo-helper-'));
  const helper = join(dir, 'docker-credential-test');
  await writeFile(helper, `#!/bin/sh\nread -r host\n[ "$host" = "${reg.host}" ] || exit 1\necho '{"ServerURL":"'$host'","Username":"helper-user","Secret":"helper-canary-pw"}'\n`);
  await chmod(helper, 0o755);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [reg.host]: 'test' } }));
  const env = { DOCKER_CONFIG: dir, PATH: `${dir}:${process.env.PATH}` };
  const c = createHttpRegistryClient({ credentials: dockerCredentials({ env }) });
  const anon = createHttpRegistryClient();
  try {
    await c.ping(reg.host);
    assert.deepEqual(await c.listTags({ host: reg.host, repository: 'any/repo' }), []);
    const err = await anon.listTags({ host: reg.host, repository: 'any/repo' }).catch((e: unknown) => e);
    assert.ok(err instanceof RegistryError && err.status === 401, String(err));
    assert.ok(!err.message.includes('helper-canary-pw'));
  } finally {
    await c.close();
    await anon.close();
  }
});
